import type { Clock } from '../../lib/clock.js';
import type { CollectLimiter, CollectLimits, CollectRefusal } from '../../core/ports.js';
import { SlidingLog } from '../../core/rolling-windows.js';

const WINDOW_MS = 1000;
/** Logs kept before idle ones are swept, at most once per window. */
const SWEEP_THRESHOLD = 10_000;

/** Exact sliding one-second windows per key, forgetting keys that fell idle. */
class SlidingLogs {
  private readonly logs = new Map<string, SlidingLog>();
  private sweptAt = 0;

  get(key: string, now: number): SlidingLog {
    if (this.logs.size >= SWEEP_THRESHOLD && now - this.sweptAt >= WINDOW_MS) {
      this.sweptAt = now;
      for (const [idle, log] of this.logs) if (log.isEmpty(now)) this.logs.delete(idle);
    }
    let log = this.logs.get(key);
    if (!log) this.logs.set(key, (log = new SlidingLog(WINDOW_MS)));
    return log;
  }
}

/** The tracking limits in this process, for the single-instance embedded default. */
export class MemoryCollectLimiter implements CollectLimiter {
  private readonly sites = new SlidingLogs();
  private readonly ips = new SlidingLogs();

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
