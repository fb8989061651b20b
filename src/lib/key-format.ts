import { hash } from 'node:crypto';
import { encodeBase62, isBase62, randomBase62 } from './base62.js';
import { crc32 } from './crc32.js';

export type KeyMode = 'live' | 'test';
export type KeyPrefix = 'sk_live_' | 'sk_test_';

export const KEY_PREFIXES: Record<KeyMode, KeyPrefix> = { live: 'sk_live_', test: 'sk_test_' };

const RANDOM_LENGTH = 26;
const CHECKSUM_LENGTH = 6;
const PREFIX_LENGTH = 8;
export const API_KEY_LENGTH = PREFIX_LENGTH + RANDOM_LENGTH + CHECKSUM_LENGTH;

export interface ParsedApiKey {
  mode: KeyMode;
  prefix: KeyPrefix;
  last4: string;
}

function checksum(prefixAndRandom: string): string {
  return encodeBase62(crc32(prefixAndRandom), CHECKSUM_LENGTH);
}

/** A new secret API key: prefix + 26 CSPRNG base62 characters (≈154 bits) + 6-character CRC-32. */
export function generateApiKey(mode: KeyMode): string {
  const body = KEY_PREFIXES[mode] + randomBase62(RANDOM_LENGTH);
  return body + checksum(body);
}

/**
 * Checks the format and checksum of a presented key without any storage.
 * Returns undefined for anything that cannot be a key we issued.
 */
export function parseApiKey(token: string): ParsedApiKey | undefined {
  if (token.length !== API_KEY_LENGTH) return undefined;
  const prefix = token.slice(0, PREFIX_LENGTH);
  const mode: KeyMode | undefined =
    prefix === KEY_PREFIXES.live ? 'live' : prefix === KEY_PREFIXES.test ? 'test' : undefined;
  if (!mode) return undefined;
  const rest = token.slice(PREFIX_LENGTH);
  if (!isBase62(rest)) return undefined;
  const body = token.slice(0, PREFIX_LENGTH + RANDOM_LENGTH);
  if (checksum(body) !== token.slice(PREFIX_LENGTH + RANDOM_LENGTH)) return undefined;
  return { mode, prefix: prefix as KeyPrefix, last4: token.slice(-4) };
}

/** What is stored instead of the key: hex SHA-256 of the whole key. */
export function hashApiKey(token: string): string {
  return hash('sha256', token, 'hex');
}
