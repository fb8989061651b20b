import type { Clock } from '../../lib/clock.js';
import type { FailedAuthLimiter, FailedAuthPolicy } from '../../core/ports.js';

interface IpRecord {
  /** Times of recent failures, oldest first; never longer than `limit`. */
  failures: number[];
  blockedUntil: number;
}

const SWEEP_THRESHOLD = 100_000;

/** Failed-auth counting in this process: the embedded default's single instance. */
export class MemoryFailedAuthLimiter implements FailedAuthLimiter {
  private readonly ips = new Map<string, IpRecord>();

  constructor(
    private readonly policy: FailedAuthPolicy,
    private readonly clock: Clock,
  ) {}

  async isBlocked(ip: string): Promise<boolean> {
    const record = this.ips.get(ip);
    return record !== undefined && record.blockedUntil > this.clock.now();
  }

  async recordFailure(ip: string): Promise<boolean> {
    const now = this.clock.now();
    if (this.ips.size >= SWEEP_THRESHOLD) this.sweep(now);
    const record = this.ips.get(ip) ?? { failures: [], blockedUntil: 0 };
    this.ips.set(ip, record);
    record.failures = record.failures.filter((at) => at > now - this.policy.windowMs);
    record.failures.push(now);
    if (record.failures.length < this.policy.limit) return false;
    record.failures = [];
    record.blockedUntil = now + this.policy.blockMs;
    return true;
  }

  private sweep(now: number): void {
    for (const [ip, record] of this.ips) {
      if (record.blockedUntil <= now && record.failures.every((at) => at <= now - this.policy.windowMs)) this.ips.delete(ip);
    }
  }
}
