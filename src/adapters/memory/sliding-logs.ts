import { SlidingLog } from '../../core/rolling-windows.js';

/** Logs kept before idle ones are swept, at most once per window. */
const SWEEP_THRESHOLD = 10_000;

/** Exact sliding windows per key (a site key, a client IP), forgetting keys that fell idle. */
export class SlidingLogs {
  private readonly logs = new Map<string, SlidingLog>();
  private sweptAt = 0;

  constructor(private readonly windowMs: number) {}

  get(key: string, now: number): SlidingLog {
    if (this.logs.size >= SWEEP_THRESHOLD && now - this.sweptAt >= this.windowMs) {
      this.sweptAt = now;
      for (const [idle, log] of this.logs) if (log.isEmpty(now)) this.logs.delete(idle);
    }
    let log = this.logs.get(key);
    if (!log) {
      log = new SlidingLog(this.windowMs);
      this.logs.set(key, log);
    }
    return log;
  }
}
