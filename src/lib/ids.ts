import { randomBase62 } from './base62.js';

/** Identifier kinds of SPEC §1 and their random-part lengths. */
const ID_LENGTHS = {
  acct: 16,
  user: 16,
  site: 12,
  ak: 24,
  key: 16,
  req: 20,
  sess: 32,
  aud: 16,
  wh: 16,
  evt: 20,
} as const;

export type IdKind = keyof typeof ID_LENGTHS;

export function newId(kind: IdKind): string {
  return `${kind}_${randomBase62(ID_LENGTHS[kind])}`;
}

export function isId(kind: IdKind, text: string): boolean {
  return text.length === kind.length + 1 + ID_LENGTHS[kind] && text.startsWith(`${kind}_`) && /^[0-9A-Za-z]+$/.test(text.slice(kind.length + 1));
}
