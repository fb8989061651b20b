import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Position } from '../../core/ports.js';

/** Rows of an append-ordered table that come after `after` in newest-first order: (time, seq) below it. */
export function olderThan(table: 'request_logs' | 'audit_log', after: Position): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${sql.ref(`${table}.time`)}, ${sql.ref(`${table}.seq`)}) < (${after.time}, ${after.seq})`;
}
