import type { CollectLimiter, CollectLimits, CollectRefusal } from '../../core/ports.js';
import type { Clock } from '../../lib/clock.js';
import { SlidingLogs } from './sliding-logs.js';

const WINDOW_MS = 1000;

/** The tracking limits in this process, for the single-instance embedded default. */
export class MemoryCollectLimiter implements CollectLimiter {
  private readonly sites = new SlidingLogs(WINDOW_MS);
  private readonly ips = new SlidingLogs(WINDOW_MS);

  constructor(private readonly clock: Clock) {}

  async admit(siteKey: string, ip: string, limits: CollectLimits): Promise<'ok' | CollectRefusal> {
    const now = this.clock.now();
    const site = this.sites.get(siteKey, now);
    const client = this.ips.get(ip, now);
    if (site.count(now) >= limits.sitePerSecond) return 'site';
    if (client.count(now) >= limits.ipPerSecond) return 'ip';
    site.add(now);
    client.add(now);
    return 'ok';
  }
}
