import type { Redis } from 'ioredis';
import type { KeyChangeSignal } from '../../core/ports.js';

/**
 * A version number in Redis that every instance bumps after a key write and reads per request:
 * reading it each time makes a revocation immediate everywhere, where pub/sub could be outrun.
 */
export class RedisKeyChangeSignal implements KeyChangeSignal {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    options: { prefix: string },
  ) {
    this.key = `${options.prefix}key-changes`;
  }

  async version(): Promise<string> {
    return (await this.redis.get(this.key)) ?? '0';
  }

  async announce(): Promise<void> {
    await this.redis.incr(this.key);
  }
}
