import type { FailedAuthLimiter, FailedAuthPolicy } from '../../core/ports.js';
import type { Clock } from '../../lib/clock.js';
import { GenerationalMap } from './generational-map.js';

/** The last `limit` failure times of one IP, as a ring: `times[next]` is the oldest once it is full. */
interface Failures {
  times: number[];
  next: number;
}

export interface MemoryFailedAuthBounds {
  /** IPs whose failures are counted; past it those that failed least recently are forgotten. */
  maxCountedIps?: number;
  /** IPs held blocked; past it the blocks started (or hit) least recently are lifted early. */
  maxBlockedIps?: number;
}

/**
 * Failed-auth counting in this process: the embedded default's single instance. Each failure
 * costs O(1), and memory stays bounded however many addresses fail (IPv6 gives one client
 * millions): the IPs that failed most recently are counted exactly.
 */
export class MemoryFailedAuthLimiter implements FailedAuthLimiter {
  private readonly counted: GenerationalMap<Failures>;
  /** IP → end of its block. */
  private readonly blocked: GenerationalMap<number>;

  constructor(
    private readonly policy: FailedAuthPolicy,
    private readonly clock: Clock,
    { maxCountedIps = 100_000, maxBlockedIps = 100_000 }: MemoryFailedAuthBounds = {},
  ) {
    this.counted = new GenerationalMap(maxCountedIps);
    this.blocked = new GenerationalMap(maxBlockedIps);
  }

  /** IPs held in memory, counted or blocked. */
  get trackedIps(): number {
    return this.counted.size + this.blocked.size;
  }

  async isBlocked(ip: string): Promise<boolean> {
    const until = this.blocked.get(ip);
    if (until === undefined) return false;
    if (until > this.clock.now()) return true;
    this.blocked.delete(ip);
    return false;
  }

  async recordFailure(ip: string): Promise<boolean> {
    const now = this.clock.now();
    const { limit, windowMs, blockMs } = this.policy;
    const failures = this.counted.get(ip) ?? { times: [], next: 0 };
    if (failures.times.length < limit) failures.times.push(now);
    else {
      failures.times[failures.next] = now;
      failures.next = (failures.next + 1) % limit;
    }
    // Times only grow, so `limit` failures within the window means the oldest of the last `limit` is inside it.
    if (failures.times.length < limit || failures.times[failures.next]! <= now - windowMs) {
      this.counted.set(ip, failures);
      return false;
    }
    this.counted.delete(ip);
    this.blocked.set(ip, now + blockMs);
    return true;
  }
}
