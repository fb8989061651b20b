import { randomFillSync } from 'node:crypto';

export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Writes a non-negative integer in base62, most significant digit first, left-padded with '0'. */
export function encodeBase62(value: number, width: number): string {
  let digits = '';
  let rest = value;
  do {
    digits = BASE62_ALPHABET[rest % 62] + digits;
    rest = Math.floor(rest / 62);
  } while (rest > 0);
  return digits.padStart(width, '0');
}

/** Each ASCII code's base62 digit, or -1. */
const DIGITS = (() => {
  const digits = new Int8Array(128).fill(-1);
  for (let i = 0; i < BASE62_ALPHABET.length; i++) digits[BASE62_ALPHABET.charCodeAt(i)] = i;
  return digits;
})();

/** The number written in base62 from `start` to the end of `text`, as encodeBase62 writes it; -1 if a character is not a digit. */
export function decodeBase62(text: string, start: number): number {
  let value = 0;
  for (let i = start; i < text.length; i++) {
    const digit = DIGITS[text.charCodeAt(i)] ?? -1;
    if (digit < 0) return -1;
    value = value * 62 + digit;
  }
  return value;
}

/** CSPRNG bytes drawn a page at a time (one request id each would cost a call per request); each byte is used once. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomByte(): number {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

/**
 * Uniformly random base62 text from the CSPRNG. Bytes of 248 and above are
 * discarded (rejection sampling), so every character has probability exactly 1/62.
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 248) out += BASE62_ALPHABET[byte % 62];
  }
  return out;
}
