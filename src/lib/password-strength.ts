import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { translations } from '@zxcvbn-ts/language-en';

/** zxcvbn's score 3: about 10^8 guesses or more, out of reach of an online attack and costly offline. */
const MIN_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;

/**
 * The estimator of zxcvbn-ts with its common-password, name and word lists, built on first
 * use. It runs on the event loop, so its work is bounded: only the first 64 characters are
 * scored and l33t variants are tried sparingly (a random 64-character password costs a few
 * milliseconds rather than a hundred).
 */
function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, translations, maxLength: 64, l33tMaxSubstitutions: 4 });
  return estimator;
}

/**
 * Why `password` is too easy to guess, in words for the person choosing it, or undefined
 * when it is strong enough. `hints` (the email, say) count as known to an attacker.
 */
export function passwordWeakness(password: string, hints: readonly string[] = []): string | undefined {
  const { score, feedback } = zxcvbn().check(password, [...hints]);
  if (score >= MIN_SCORE) return undefined;
  const advice = [feedback.warning, ...feedback.suggestions].filter(Boolean).join(' ');
  return `is too easy to guess${advice ? `: ${advice}` : ''}`;
}
