import { encodeBase62, randomBase62 } from './base62.js';

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

/** Base62 digits of the millisecond time at the front of a request id: 62^7 ms would end in 2081. */
const REQUEST_TIME_DIGITS = 8;

/**
 * A request id (`req_` + 20 base62, SPEC §1) whose first 8 characters are the time in
 * milliseconds and the other 12 random (71 bits): ids sort by time, so the request log's index
 * on them grows at one end as rows are appended, instead of dirtying a page at a random place
 * per row at every commit.
 */
export function newRequestId(now: number = Date.now()): string {
  return `req_${encodeBase62(now, REQUEST_TIME_DIGITS)}${randomBase62(ID_LENGTHS.req - REQUEST_TIME_DIGITS)}`;
}
