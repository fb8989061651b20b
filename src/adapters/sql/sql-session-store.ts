import type { Kysely, Selectable } from 'kysely';
import type { Millis, Session } from '../../core/model.js';
import type { SessionStore } from '../../core/ports.js';
import type { Database } from './schema.js';

function sessionFromRow(row: Selectable<Database['sessions']>): Session {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    accountId: row.account_id,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    lastSeenAt: Number(row.last_seen_at),
  };
}

export class SqlSessionStore implements SessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(session: Session): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: session.idHash,
        user_id: session.userId,
        account_id: session.accountId,
        created_at: session.createdAt,
        expires_at: session.expiresAt,
        last_seen_at: session.lastSeenAt,
      })
      .execute();
  }

  async find(idHash: string): Promise<{ session: Session; email: string } | undefined> {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('sessions')
      .select('users.email')
      .where('sessions.id_hash', '=', idHash)
      .executeTakeFirst();
    return row && { session: sessionFromRow(row), email: row.email };
  }

  async touch(idHash: string, lastSeenAt: Millis): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: lastSeenAt }).where('id_hash', '=', idHash).execute();
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteExpired(now: Millis): Promise<void> {
    await this.db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  }

  async listByUser(userId: string, now: Millis): Promise<Session[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .where('expires_at', '>', now)
      .orderBy('created_at', 'desc')
      .orderBy('id_hash')
      .execute();
    return rows.map(sessionFromRow);
  }

  async deleteByUser(userId: string, keepIdHash: string): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('user_id', '=', userId).where('id_hash', '!=', keepIdHash).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
