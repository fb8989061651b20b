import { type ApiKey, QUOTA_WINDOWS } from '../../core/model.js';
import type { Admission, UsageHistory, UsageLimiter, UsageLimits } from '../../core/ports.js';
import { loadQuotaCounter, quotaCount } from '../../core/quota-use.js';
import { MINUTE_MS, type MinuteBuckets, SlidingLog } from '../../core/rolling-windows.js';
import type { Clock } from '../../lib/clock.js';
import { SingleFlight } from '../../lib/single-flight.js';

interface KeyUsage {
  minute: SlidingLog;
  quotas: MinuteBuckets;
}

interface AccountUsage {
  second: SlidingLog;
  minute: SlidingLog;
}

const clampRetry = (seconds: number) => Math.min(60, Math.max(1, seconds));

/**
 * Checks 7–9 in this process, for the single-instance embedded default. Being single-threaded,
 * check-then-consume is atomic. State is rebuilt lazily per key and account from committed
 * usage, so limits and quotas hold across a restart.
 */
export class MemoryUsageLimiter implements UsageLimiter {
  private readonly keys = new Map<string, KeyUsage>();
  private readonly accounts = new Map<string, AccountUsage>();
  /** Concurrent first requests for one key or account share a single load. */
  private readonly loading = new SingleFlight();

  constructor(
    private readonly history: UsageHistory,
    private readonly clock: Clock,
  ) {}

  async admit(key: Pick<ApiKey, 'id' | 'accountId'>, limits: UsageLimits): Promise<Admission> {
    const account = this.accounts.get(key.accountId) ?? (await this.loadAccount(key.accountId));
    const usage = this.keys.get(key.id) ?? (await this.loadKey(key.id));
    const now = this.clock.now();
    const perKeyState = () => (limits.perKeyPerMinute === null ? undefined : usage.minute.state(limits.perKeyPerMinute, now));

    if (limits.accountPerSecond !== null && account.second.count(now) >= limits.accountPerSecond) {
      return { ok: false, code: 'RATE_LIMITED', limit: 'account_second', retryAfterSeconds: 1, perKey: perKeyState() };
    }
    if (limits.accountPerMinute !== null && account.minute.count(now) >= limits.accountPerMinute) {
      return {
        ok: false,
        code: 'RATE_LIMITED',
        limit: 'account_minute',
        retryAfterSeconds: clampRetry(account.minute.secondsUntilSlot(now)),
        perKey: perKeyState(),
      };
    }
    if (limits.perKeyPerMinute !== null && usage.minute.count(now) >= limits.perKeyPerMinute) {
      return { ok: false, code: 'RATE_LIMITED', limit: 'key_minute', retryAfterSeconds: clampRetry(usage.minute.secondsUntilSlot(now)), perKey: perKeyState() };
    }
    for (const quota of QUOTA_WINDOWS) {
      const cap = limits.quotas[quota];
      if (cap === undefined) continue;
      if (quotaCount(usage.quotas, quota, now) >= cap) return { ok: false, code: 'QUOTA_EXCEEDED', quota, perKey: perKeyState() };
    }

    account.second.add(now);
    account.minute.add(now);
    usage.minute.add(now);
    usage.quotas.add(now);
    return { ok: true, perKey: perKeyState() };
  }

  private loadKey(keyId: string): Promise<KeyUsage> {
    return this.loading.run(`key:${keyId}`, async () => {
      const now = this.clock.now();
      const { counter, recent } = await loadQuotaCounter(this.history, keyId, now, now - MINUTE_MS);
      const usage: KeyUsage = { minute: new SlidingLog(MINUTE_MS), quotas: counter };
      for (const time of recent) usage.minute.add(time);
      this.keys.set(keyId, usage);
      return usage;
    });
  }

  private loadAccount(accountId: string): Promise<AccountUsage> {
    return this.loading.run(`account:${accountId}`, async () => {
      const recent = await this.history.accountRecent(accountId, this.clock.now() - MINUTE_MS);
      const usage: AccountUsage = { second: new SlidingLog(1000), minute: new SlidingLog(MINUTE_MS) };
      for (const time of recent) {
        usage.second.add(time);
        usage.minute.add(time);
      }
      this.accounts.set(accountId, usage);
      return usage;
    });
  }
}
