import { type SelectQueryBuilder, sql } from 'kysely';
import type { Position } from '../../core/ports.js';
import type { Database } from './schema.js';

type AppendOrdered = 'request_logs' | 'audit_log' | 'webhook_attempts';

/**
 * One page of an append-ordered table, newest first: ordered by (time, seq) descending,
 * strictly below `after` (the last row of the previous page), at most `limit` rows.
 */
export function newestFirstPage<Query extends SelectQueryBuilder<Database, keyof Database, object>>(
  query: Query,
  table: AppendOrdered,
  after: Position | undefined,
  limit: number,
): Query {
  const time = sql.ref(`${table}.time`);
  const seq = sql.ref(`${table}.seq`);
  const page = after ? query.where(sql<boolean>`(${time}, ${seq}) < (${after.time}, ${after.seq})`) : query;
  return page.orderBy(time, 'desc').orderBy(seq, 'desc').limit(limit) as Query;
}
