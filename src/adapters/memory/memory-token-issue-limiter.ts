import type { TokenIssueLimiter } from '../../core/ports.js';
import { MINUTE_MS, SlidingLog } from '../../core/rolling-windows.js';
import type { Clock } from '../../lib/clock.js';

/** Logs kept before idle ones are swept, at most once per minute. */
const SWEEP_THRESHOLD = 10_000;

/** Token issuance per key in this process, for the single-instance embedded default. */
export class MemoryTokenIssueLimiter implements TokenIssueLimiter {
  private readonly logs = new Map<string, SlidingLog>();
  private sweptAt = 0;

  constructor(private readonly clock: Clock) {}

  async admit(keyId: string, perMinute: number): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    const now = this.clock.now();
    if (this.logs.size >= SWEEP_THRESHOLD && now - this.sweptAt >= MINUTE_MS) {
      this.sweptAt = now;
      for (const [idle, log] of this.logs) if (log.isEmpty(now)) this.logs.delete(idle);
    }
    let log = this.logs.get(keyId);
    if (!log) {
      log = new SlidingLog(MINUTE_MS);
      this.logs.set(keyId, log);
    }
    if (log.count(now) >= perMinute) return { ok: false, retryAfterSeconds: log.secondsUntilSlot(now) };
    log.add(now);
    return { ok: true };
  }
}
