import { DAY_MS } from '../lib/utc-days.js';
import type { ApiKey, Millis, QuotaWindow } from './model.js';
import type { UsageHistory } from './ports.js';
import { MINUTE_MS, MinuteBuckets } from './rolling-windows.js';

/** Rolling quota windows, in the order of the counter's window indexes. */
const ROLLING_QUOTAS = ['daily', 'weekly', 'monthly'] as const;
export const QUOTA_WINDOW_MS = { daily: DAY_MS, weekly: 7 * DAY_MS, monthly: 30 * DAY_MS } as const;

/** The committed usage a key's quota counts are rebuilt from: minute buckets back past the longest window. */
export function quotaHistory(history: UsageHistory, keyId: string, now: Millis, recentSince: Millis) {
  return history.keyUsage(keyId, now - QUOTA_WINDOW_MS.monthly - MINUTE_MS, recentSince);
}

/**
 * A key's quota counter, rebuilt from committed usage. The limiter enforces quotas with it
 * and the dashboard shows them with it, so both count the same minute buckets the same way.
 */
export async function loadQuotaCounter(
  history: UsageHistory,
  keyId: string,
  now: Millis,
  recentSince: Millis,
): Promise<{ counter: MinuteBuckets; recent: Millis[] }> {
  const { total, minutes, recent } = await quotaHistory(history, keyId, now, recentSince);
  const counter = new MinuteBuckets(
    ROLLING_QUOTAS.map((quota) => QUOTA_WINDOW_MS[quota]),
    total,
  );
  counter.load(minutes);
  return { counter, recent };
}

export function quotaCount(counter: MinuteBuckets, quota: QuotaWindow, now: Millis): number {
  return quota === 'total' ? counter.total : counter.count(ROLLING_QUOTAS.indexOf(quota), now);
}

/** How much of each quota the key has set is used now. */
export async function quotaUse(history: UsageHistory, key: Pick<ApiKey, 'id' | 'quotas'>, now: Millis): Promise<Partial<Record<QuotaWindow, number>>> {
  const windows = Object.keys(key.quotas) as QuotaWindow[];
  if (windows.length === 0) return {};
  const { counter } = await loadQuotaCounter(history, key.id, now, now);
  return Object.fromEntries(windows.map((quota) => [quota, quotaCount(counter, quota, now)]));
}
