import { createHash } from 'node:crypto';
import { randomBase62 } from './base62.js';

/** What starts every OAuth access token (SPEC §11), so that the API tells one from an API key at a glance. */
export const ACCESS_TOKEN_PREFIX = 'at_';
/** 40 CSPRNG base62 characters: ≈238 bits. */
const RANDOM_LENGTH = 40;
const ACCESS_TOKEN = /^at_[0-9A-Za-z]{40}$/;

export function generateAccessToken(): string {
  return ACCESS_TOKEN_PREFIX + randomBase62(RANDOM_LENGTH);
}

/** True for text shaped as a token we issue; anything else is refused before storage is touched. */
export function isAccessToken(text: string): boolean {
  return ACCESS_TOKEN.test(text);
}

/** What is stored instead of the token: hex SHA-256. */
export function hashAccessToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
