import { randomUUID } from 'node:crypto';
import type { KeyChangeSignal } from '../../core/ports.js';
import { keyChangesKey } from './redis-keys.js';
import type { RedisClient } from './redis-scripts.js';

/**
 * A version in Redis that every instance replaces after a key write and reads per request:
 * reading it each time makes a revocation immediate everywhere, where pub/sub could be outrun.
 * Each version is new rather than counted up, so after Redis loses its data a count cannot
 * climb back to the very value an idle instance last saw and hide the changes in between.
 */
export class RedisKeyChangeSignal implements KeyChangeSignal {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    options: { prefix: string },
  ) {
    this.key = keyChangesKey(options.prefix);
  }

  async version(): Promise<string> {
    return (await this.redis.get(this.key)) ?? '';
  }

  async announce(): Promise<void> {
    await this.redis.set(this.key, randomUUID());
  }
}
