import type { SignupLimiter, SignupPolicy } from '../../core/ports.js';
import type { Clock } from '../../lib/clock.js';

/** IPs remembered at most; past it the least recently seen is forgotten, so memory stays bounded under any spread of addresses. */
const MAX_TRACKED_IPS = 100_000;

/** Sign-ups per IP in this process: the embedded default's single instance. */
export class MemorySignupLimiter implements SignupLimiter {
  /** Admitted sign-up times per IP, oldest first (at most `limit`); Map order is recency of use. */
  private readonly ips = new Map<string, number[]>();

  constructor(
    private readonly policy: SignupPolicy,
    private readonly clock: Clock,
  ) {}

  async admit(ip: string): Promise<boolean> {
    const now = this.clock.now();
    const recent = (this.ips.get(ip) ?? []).filter((at) => at > now - this.policy.windowMs);
    this.ips.delete(ip);
    const admitted = recent.length < this.policy.limit;
    if (admitted) recent.push(now);
    if (recent.length > 0) this.ips.set(ip, recent);
    if (this.ips.size > MAX_TRACKED_IPS) this.ips.delete(this.ips.keys().next().value!);
    return admitted;
  }
}
