import type { Clock } from '../lib/clock.js';
import { KeygateError, invalid } from './errors.js';
import type { PlanTable } from './plans.js';
import type { RequestLogEntry, RequestLogQuery, RequestLogStore } from './ports.js';
import { isoTime } from './views.js';

/** A log row as the CLI and the dashboard show it. */
export function requestLogView(entry: RequestLogEntry) {
  return {
    id: entry.id,
    time: isoTime(entry.time),
    key_id: entry.keyId,
    mode: entry.mode,
    method: entry.method,
    route: entry.route,
    path: entry.path,
    status: entry.status,
    code: entry.errorCode,
    duration_ms: entry.durationMs,
    ip: entry.ip,
    referrer: entry.referrer,
    user_agent: entry.userAgent,
    credits: entry.credits,
  };
}

export const MAX_LOG_PAGE = 10_000;

export interface RequestLogServiceOptions {
  store: RequestLogStore;
  plans: PlanTable;
  clock: Clock;
}

/** Reading and pruning request logs. */
export class RequestLogService {
  constructor(private readonly opts: RequestLogServiceOptions) {}

  async list(query: RequestLogQuery): Promise<{ count: number; logs: RequestLogEntry[] }> {
    if (!Number.isSafeInteger(query.limit) || query.limit < 0 || query.limit > MAX_LOG_PAGE) {
      throw invalid('limit', `must be a whole number from 0 to ${MAX_LOG_PAGE}`);
    }
    if (!query.accountId && !query.keyId) throw new KeygateError('VALIDATION_ERROR', 'key: is required');
    return this.opts.store.list(query);
  }

  /** Deletes logs older than each plan's retention; plans with unlimited retention keep everything. */
  prune(): Promise<number> {
    const retention = new Map<string, number>();
    for (const plan of this.opts.plans.values()) if (plan.logRetentionDays !== null) retention.set(plan.name, plan.logRetentionDays);
    return this.opts.store.prune(retention, this.opts.clock.now());
  }
}
