/**
 * Lone UTF-16 surrogates and Unicode non-characters: text that cannot be stored as UTF-8 as
 * it was given (a lone surrogate becomes U+FFFD, so two different names would store alike).
 */
const UNSTORABLE = /[\p{Cs}\p{Noncharacter_Code_Point}]/u;

/** The problem with `text` as a stored text value, or undefined when it has none. */
export function textProblem(text: string): string | undefined {
  return UNSTORABLE.test(text) ? 'must not contain unpaired surrogates or non-characters' : undefined;
}

/** `text` cut to at most `max` UTF-16 units, never between the two halves of a surrogate pair. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1]!) ? max - 1 : max;
  return text.slice(0, end);
}
