import type { Clock } from '../lib/clock.js';
import { DAY_MS } from '../lib/utc-days.js';
import type { ApiKey, Millis, QuotaWindow } from './model.js';
import type { Store } from './ports.js';
import { QUOTA_WINDOW_MS, quotaUse } from './quota-use.js';
import type { WebhookEvents } from './webhook-events.js';

/** `key.expiring` goes out 7 days and again 1 day before `expires_at` (SPEC §10). */
const EXPIRY_NOTICES = [1, 7] as const;
/** How far back a missed `key.expired` is still announced (the server was down when the key expired). */
const EXPIRED_LOOKBACK_MS = 7 * DAY_MS;
const QUOTA_LEVELS = [100, 80] as const;

export interface WebhookWatchersOptions {
  store: Store;
  webhookEvents: WebhookEvents;
  clock: Clock;
  onError(error: unknown): void;
}

/**
 * The period a quota notice is given once in: all time for `total`, else the window's length
 * counted from the epoch (a rolling window has no edges of its own to count by).
 */
function quotaPeriod(window: QuotaWindow, now: Millis): string {
  return window === 'total' ? 'all' : String(Math.floor(now / QUOTA_WINDOW_MS[window]));
}

/**
 * Announces what no request causes: `key.expiring`, `key.expired` and `quota.threshold`
 * (80 % and 100 %). Each notice is committed once under a key naming the key, window and
 * level, so restarts and other instances running the same scan never repeat one.
 * Quotas are read from usage already committed with the request logs: no work is added to
 * any request.
 */
export class WebhookWatchers {
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  /** Usage only grows while a key is used: keys unused since the previous scan are skipped. */
  private previousScan: Millis = 0;

  constructor(private readonly opts: WebhookWatchersOptions) {}

  start(intervalMs = 60_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.scanNow(), intervalMs).unref();
    void this.scanNow();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.scanning;
  }

  /** One scan now (overlapping calls share it). */
  scanNow(): Promise<void> {
    this.scanning ??= this.scan()
      .then(
        (notices) => {
          if (notices > 0) this.opts.webhookEvents.committed();
        },
        (error: unknown) => this.opts.onError(error),
      )
      .finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async scan(): Promise<number> {
    const now = this.opts.clock.now();
    const since = this.previousScan;
    const keys = await this.opts.store.webhooks.watchedKeys(now, now - EXPIRED_LOOKBACK_MS, now + EXPIRY_NOTICES.at(-1)! * DAY_MS);
    let notices = 0;
    for (const key of keys) {
      if (await this.expiry(key, now)) notices++;
      if (key.lastUsedAt !== null && key.lastUsedAt >= since) notices += await this.quotas(key, now);
    }
    this.previousScan = now;
    return notices;
  }

  private async expiry(key: ApiKey, now: Millis): Promise<boolean> {
    if (key.expiresAt === null || key.expiresAt < now - EXPIRED_LOOKBACK_MS) return false;
    const events = this.opts.webhookEvents;
    if (key.expiresAt <= now) return this.opts.store.webhooks.emitOnce(`key.expired:${key.id}:${key.expiresAt}`, events.keyEvent('key.expired', key));
    const days = EXPIRY_NOTICES.find((notice) => key.expiresAt! - now <= notice * DAY_MS);
    if (days === undefined) return false;
    return this.opts.store.webhooks.emitOnce(`key.expiring:${key.id}:${key.expiresAt}:${days}d`, events.keyEvent('key.expiring', key, { days }));
  }

  private async quotas(key: ApiKey, now: Millis): Promise<number> {
    const use = await quotaUse(this.opts.store.requestLogs, key, now);
    let notices = 0;
    for (const [window, used = 0] of Object.entries(use) as Array<[QuotaWindow, number | undefined]>) {
      const limit = key.quotas[window]!;
      const level = QUOTA_LEVELS.find((percent) => used * 100 >= limit * percent);
      if (level === undefined) continue;
      const event = this.opts.webhookEvents.keyEvent('quota.threshold', key, { quota: { window, limit, used, level } });
      if (await this.opts.store.webhooks.emitOnce(`quota.threshold:${key.id}:${window}:${quotaPeriod(window, now)}:${level}`, event)) notices++;
    }
    return notices;
  }
}
