import type { Clock } from '../lib/clock.js';
import { dateOfDay, dayOf } from '../lib/utc-days.js';
import { decodeCursor, pageOf } from './cursor.js';
import { invalid, KeygateError } from './errors.js';
import { fallbackPlan, type PlanTable } from './plans.js';
import type { LoggedRequest, RequestLogEntry, RequestLogFilter, RequestLogQuery, RequestLogStore } from './ports.js';

export const MAX_LOG_PAGE = 10_000;
/** Rows in one export, and per query while reading it. */
const MAX_EXPORT_ROWS = 100_000;
const EXPORT_SLICE = 1000;
/** The overview chart's span: today and the 29 UTC days before it. */
const CHART_DAYS = 30;

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
    const { limit, ...filter } = query;
    const [count, logs] = await Promise.all([this.opts.store.count(filter), limit === 0 ? [] : this.opts.store.list(filter, undefined, limit)]);
    return { count, logs };
  }

  /** One page of an account's logs, newest first, with the count of all rows that match. */
  async page(filter: RequestLogFilter & { accountId: string }, cursor: string | undefined, limit: number) {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const [total, rows] = await Promise.all([this.opts.store.count(filter), this.opts.store.list(filter, after, limit + 1)]);
    return { total, ...pageOf(rows, limit) };
  }

  /** The account's matching logs for export, newest first, at most MAX_EXPORT_ROWS rows, a slice at a time. */
  async *exportRows(filter: RequestLogFilter & { accountId: string }): AsyncGenerator<LoggedRequest[]> {
    let after: LoggedRequest | undefined;
    for (let written = 0; written < MAX_EXPORT_ROWS; ) {
      const rows = await this.opts.store.list(filter, after, Math.min(EXPORT_SLICE, MAX_EXPORT_ROWS - written));
      if (rows.length === 0) return;
      yield rows;
      written += rows.length;
      after = rows.at(-1);
    }
  }

  /** Requests and errors per UTC day over the last CHART_DAYS days, oldest first, zeros included. */
  async perDay(accountId: string) {
    const today = dayOf(this.opts.clock.now());
    const first = today - CHART_DAYS + 1;
    const counted = new Map((await this.opts.store.daily(accountId, first, today)).map((row) => [row.day, row]));
    return Array.from({ length: CHART_DAYS }, (_, i) => {
      const day = first + i;
      return { date: dateOfDay(day), requests: counted.get(day)?.requests ?? 0, errors: counted.get(day)?.errors ?? 0 };
    });
  }

  /**
   * Deletes logs older than their account's plan's retention (an account on a plan no longer
   * defined keeps free's, see planFor); plans with unlimited retention keep everything.
   */
  prune(): Promise<number> {
    const byPlan = new Map([...this.opts.plans.values()].map((plan) => [plan.name, plan.logRetentionDays]));
    return this.opts.store.prune({ byPlan, otherwise: fallbackPlan(this.opts.plans).logRetentionDays }, this.opts.clock.now());
  }
}
