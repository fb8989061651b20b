import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { type Priority, TaskQueue } from './task-queue.js';

// OWASP's scrypt floor: N=2^17, r=8, p=1 (128 MiB of memory per hash).
const PARAMS = { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 } as const;
const KEY_LENGTH = 32;

/**
 * Every derivation of this process waits its turn here: at most two at once (each holds
 * 128 MiB and a thread of libuv's pool of four, which file I/O and DNS share), checks of an
 * existing password (sign-in) before hashes of new ones (sign-up), and a full lane refuses
 * (QueueFullError) rather than pile up. A sign-up flood thus queues behind itself, never
 * ahead of a sign-in.
 */
export const passwordWork = new TaskQueue({ concurrency: 2, maxWaiting: 32 });

function derive(password: string, salt: Buffer, options: ScryptOptions, priority: Priority): Promise<Buffer> {
  return passwordWork.run(
    () =>
      new Promise((resolve, reject) => scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)))),
    priority,
  );
}

/** `scrypt$N$r$p$salt$hash`, base64url parts: self-describing so parameters can be raised later. */
export async function hashPassword(password: string, priority: Priority = 'low'): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS, priority);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const options = { N: Number(n), r: Number(r), p: Number(p), maxmem: PARAMS.maxmem };
  const actual = await derive(password, Buffer.from(salt, 'base64url'), options, 'high');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
