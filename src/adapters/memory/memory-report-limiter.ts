import type { ReportLimiter, ReportLimits } from '../../core/ports.js';
import type { Clock } from '../../lib/clock.js';
import { SlidingLogs } from './sliding-logs.js';

/** Leak reports per client IP in this process, for the single-instance embedded default. */
export class MemoryReportLimiter implements ReportLimiter {
  private readonly ips: SlidingLogs;

  constructor(
    private readonly limits: ReportLimits,
    private readonly clock: Clock,
  ) {
    this.ips = new SlidingLogs(limits.windowMs);
  }

  async admit(ip: string): Promise<boolean> {
    const now = this.clock.now();
    const log = this.ips.get(ip, now);
    if (log.count(now) >= this.limits.perIp) return false;
    log.add(now);
    return true;
  }
}
