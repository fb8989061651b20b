import { hash } from 'node:crypto';
import { decodeBase62, encodeBase62, randomBase62 } from './base62.js';
import { crc32 } from './crc32.js';

export type KeyMode = 'live' | 'test';
/** What a key starts with and the store shows: `<KEY_PREFIX>_live_` or `<KEY_PREFIX>_test_`. */
export type KeyPrefix = `${string}_${KeyMode}_`;

export const DEFAULT_KEY_PREFIX = 'sk';
/** SPEC §2's `KEY_PREFIX`: 2–12 characters a-z0-9, starting with a letter. */
export const KEY_PREFIX_PATTERN = /^[a-z][a-z0-9]{1,11}$/;

const RANDOM_LENGTH = 26;
const CHECKSUM_LENGTH = 6;
/** Any prefix a deployment may have used, then the mode and the 32 base62 characters. */
const KEY_PATTERN = /^[a-z][a-z0-9]{1,11}_(?:live|test)_[0-9A-Za-z]{32}$/;
const RANDOM_AND_CHECKSUM_LENGTH = RANDOM_LENGTH + CHECKSUM_LENGTH;
const MAX_KEY_LENGTH = 12 + '_live_'.length + RANDOM_LENGTH + CHECKSUM_LENGTH;

export interface ParsedApiKey {
  mode: KeyMode;
  prefix: KeyPrefix;
  last4: string;
}

/** The start of keys of `mode` under the deployment's `KEY_PREFIX`, e.g. `sk_live_`. */
export function keyPrefix(mode: KeyMode, prefix = DEFAULT_KEY_PREFIX): KeyPrefix {
  return `${prefix}_${mode}_`;
}

function checksum(prefixAndRandom: string): string {
  return encodeBase62(crc32(prefixAndRandom), CHECKSUM_LENGTH);
}

/** A new secret API key: `<prefix>_<mode>_` + 26 CSPRNG base62 characters (≈154 bits) + 6-character CRC-32. */
export function generateApiKey(mode: KeyMode, prefix = DEFAULT_KEY_PREFIX): string {
  const body = keyPrefix(mode, prefix) + randomBase62(RANDOM_LENGTH);
  return body + checksum(body);
}

/**
 * Whether `token` has a key's format and checksum, checked without any storage. Any well-formed
 * prefix is accepted, so keys issued before a deployment changed its `KEY_PREFIX` keep working:
 * only the hash of the whole key is stored, and the lookup by hash decides whether it is ours.
 */
export function isWellFormedApiKey(token: string): boolean {
  return hasApiKeyShape(token) && hasValidChecksum(token);
}

/** Whether `token` is laid out as a key (prefix, mode, 32 base62 characters), its checksum unread: asked on every request. */
export function hasApiKeyShape(token: string): boolean {
  return token.length <= MAX_KEY_LENGTH && KEY_PATTERN.test(token);
}

/**
 * Whether the last 6 characters of a key-shaped `token` are the CRC-32 of the rest. Asked for
 * every key not cached yet, so it allocates nothing: the checksum is read, not written and compared.
 */
export function hasValidChecksum(token: string): boolean {
  const bodyLength = token.length - CHECKSUM_LENGTH;
  return decodeBase62(token, bodyLength) === crc32(token, bodyLength);
}

/** A presented key's parts, or undefined for anything that cannot be a key we issued. */
export function parseApiKey(token: string): ParsedApiKey | undefined {
  if (!isWellFormedApiKey(token)) return undefined;
  const prefixLength = token.length - RANDOM_AND_CHECKSUM_LENGTH;
  const mode = token.slice(prefixLength - 5, prefixLength - 1) as KeyMode;
  return { mode, prefix: token.slice(0, prefixLength) as KeyPrefix, last4: token.slice(-4) };
}

/** What is stored instead of the key: hex SHA-256 of the whole key. */
export function hashApiKey(token: string): string {
  return hash('sha256', token, 'hex');
}
