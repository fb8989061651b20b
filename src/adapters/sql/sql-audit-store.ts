import type { Kysely } from 'kysely';
import type { AuditAction, AuditEntry } from '../../core/model.js';
import type { AuditStore, LoggedAuditEntry, Position } from '../../core/ports.js';
import { newestFirstPage } from './keyset.js';
import type { Database } from './schema.js';

export class SqlAuditStore implements AuditStore {
  constructor(private readonly db: Kysely<Database>) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        id: entry.id,
        account_id: entry.accountId,
        user_id: entry.userId,
        time: entry.time,
        action: entry.action,
        target_type: entry.targetType,
        target_id: entry.targetId,
        target_name: entry.targetName,
        details: JSON.stringify(entry.details),
      })
      .execute();
  }

  async list(accountId: string, after: Position | undefined, limit: number): Promise<LoggedAuditEntry[]> {
    const query = this.db
      .selectFrom('audit_log')
      .leftJoin('users', 'users.id', 'audit_log.user_id')
      .selectAll('audit_log')
      .select('users.email')
      .where('audit_log.account_id', '=', accountId);
    const rows = await newestFirstPage(query, 'audit_log', after, limit).execute();
    return rows.map((row) => ({
      seq: Number(row.seq),
      id: row.id,
      accountId: row.account_id,
      userId: row.user_id,
      time: Number(row.time),
      action: row.action as AuditAction,
      targetType: row.target_type as AuditEntry['targetType'],
      targetId: row.target_id,
      targetName: row.target_name,
      details: JSON.parse(row.details),
      userEmail: row.email,
    }));
  }
}
