import { type ExpressionBuilder, type Insertable, type Kysely, type Selectable, sql, type Transaction, type UpdateObject } from 'kysely';
import type { Account, ApiKey, KeyLeak, LeakSource, Millis, Site, User, WebhookEvent } from '../../core/model.js';
import type {
  AccessTokenStore,
  AccountStore,
  AuditStore,
  EventStore,
  GuardedWrite,
  KeyChangeSignal,
  KeyStore,
  RequestLogStore,
  SessionStore,
  SiteStore,
  Store,
  WebhookStore,
} from '../../core/ports.js';
import type { KeyMode, KeyPrefix } from '../../lib/key-format.js';
import { deleteInSlices, PRUNE_SLICE } from './delete-in-slices.js';
import type { Dialect } from './migrations.js';
import { arg, PreparedQuery } from './prepared.js';
import type { Database } from './schema.js';
import { SqlAccessTokenStore } from './sql-access-token-store.js';
import { SqlAuditStore } from './sql-audit-store.js';
import { SqlEventStore } from './sql-event-store.js';
import { SqlRequestLogStore } from './sql-request-log-store.js';
import { SqlSessionStore } from './sql-session-store.js';
import { appendWebhookEvents, SqlWebhookStore, withWebhookEvents } from './sql-webhook-store.js';
import { isStorageFault } from './storage-faults.js';

type KeyRow = Selectable<Database['api_keys']>;

export function keyFromRow(row: KeyRow): ApiKey {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    category: row.category,
    mode: row.mode as KeyMode,
    prefix: row.prefix as KeyPrefix,
    last4: row.last4,
    hash: row.hash,
    active: row.active === 1,
    expiresAt: row.expires_at,
    quotas: JSON.parse(row.quotas),
    restrictions: JSON.parse(row.restrictions),
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    leak: row.leaked_at === null ? null : { at: row.leaked_at, source: row.leak_source as LeakSource, url: row.leak_url, dismissedAt: row.leak_dismissed_at },
  };
}

function keyToRow(key: ApiKey): Insertable<Database['api_keys']> {
  return {
    id: key.id,
    account_id: key.accountId,
    name: key.name,
    category: key.category,
    mode: key.mode,
    prefix: key.prefix,
    last4: key.last4,
    hash: key.hash,
    active: key.active ? 1 : 0,
    expires_at: key.expiresAt,
    quotas: JSON.stringify(key.quotas),
    restrictions: JSON.stringify(key.restrictions),
    created_at: key.createdAt,
    created_by: key.createdBy,
    last_used_at: key.lastUsedAt,
    revoked_at: key.revokedAt,
    leaked_at: key.leak?.at ?? null,
    leak_source: key.leak?.source ?? null,
    leak_url: key.leak?.url ?? null,
    leak_dismissed_at: key.leak?.dismissedAt ?? null,
  };
}

function siteFromRow(row: Selectable<Database['sites']>): Site {
  return { id: row.id, accountId: row.account_id, domain: row.domain, siteKey: row.site_key, createdAt: row.created_at };
}

/**
 * Takes the account's row lock first, so that the count-then-insert of a limit check is
 * serialised per account: a row lock on PostgreSQL, the write lock on SQLite.
 */
async function lockAccount(trx: Transaction<Database>, accountId: string): Promise<void> {
  await trx.updateTable('accounts').set({ plan: sql`plan` }).where('id', '=', accountId).execute();
}

const notRevokedAt = (now: Millis) => (eb: ExpressionBuilder<Database, 'api_keys'>) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', now)]);

class SqlAccountStore implements AccountStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(account: Account, user: User): Promise<'ok' | 'EMAIL_TAKEN'> {
    // Writes only: on SQLite a transaction that reads and then writes fails at once with
    // "database is locked" if another connection committed in between (busy_timeout does not
    // apply). On PostgreSQL a read would miss a concurrent signup's uncommitted row; the
    // conflict clause instead waits for it and skips the insert if it commits.
    return this.db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('accounts').values({ id: account.id, plan: account.plan, created_at: account.createdAt }).execute();
        const { numInsertedOrUpdatedRows } = await trx
          .insertInto('users')
          .values({ id: user.id, account_id: user.accountId, email: user.email, password_hash: user.passwordHash, created_at: user.createdAt })
          .onConflict((oc) => oc.column('email').doNothing())
          .executeTakeFirstOrThrow();
        if (numInsertedOrUpdatedRows === 0n) throw new EmailTaken();
        return 'ok' as const;
      })
      .catch((error) => {
        if (error instanceof EmailTaken) return 'EMAIL_TAKEN' as const;
        throw error;
      });
  }

  async find(id: string): Promise<Account | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, plan: row.plan, createdAt: row.created_at };
  }

  async setPlan(id: string, plan: string): Promise<void> {
    await this.db.updateTable('accounts').set({ plan }).where('id', '=', id).execute();
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
  }

  async findUserByEmail(email: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    return row && { id: row.id, accountId: row.account_id, email: row.email, passwordHash: row.password_hash, createdAt: row.created_at };
  }
}

class SqlSiteStore implements SiteStore {
  /** Every GET /api/v1/sites runs this. */
  private readonly sitesOfAccount: PreparedQuery<Selectable<Database['sites']>>;
  /** Every tracking hit runs this. */
  private readonly siteOfKey: PreparedQuery<Selectable<Database['sites']>>;

  constructor(private readonly db: Kysely<Database>) {
    this.sitesOfAccount = new PreparedQuery(db.selectFrom('sites').selectAll().where('account_id', '=', arg(0)).orderBy('created_at').orderBy('id'));
    this.siteOfKey = new PreparedQuery(db.selectFrom('sites').selectAll().where('site_key', '=', arg(0)));
  }

  async insertWithinLimit(site: Site, maxSites: number | null, events: readonly WebhookEvent[] = []): Promise<'ok' | 'PLAN_LIMIT' | 'DOMAIN_TAKEN'> {
    return this.db.transaction().execute(async (trx) => {
      await lockAccount(trx, site.accountId);
      const same = await trx.selectFrom('sites').select('id').where('account_id', '=', site.accountId).where('domain', '=', site.domain).executeTakeFirst();
      if (same) return 'DOMAIN_TAKEN';
      if (maxSites !== null) {
        const { count } = await trx
          .selectFrom('sites')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('account_id', '=', site.accountId)
          .executeTakeFirstOrThrow();
        if (Number(count) >= maxSites) return 'PLAN_LIMIT';
      }
      await trx
        .insertInto('sites')
        .values({ id: site.id, account_id: site.accountId, domain: site.domain, site_key: site.siteKey, created_at: site.createdAt })
        .execute();
      await appendWebhookEvents(trx, events);
      return 'ok';
    });
  }

  async listByAccount(accountId: string): Promise<Site[]> {
    return (await this.sitesOfAccount.rows(this.db, accountId)).map(siteFromRow);
  }

  async find(id: string): Promise<Site | undefined> {
    const row = await this.db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
    return row && siteFromRow(row);
  }

  async findByKey(siteKey: string): Promise<Site | undefined> {
    const [row] = await this.siteOfKey.rows(this.db, siteKey);
    return row && siteFromRow(row);
  }

  async delete(id: string, events: readonly WebhookEvent[] = []): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('sites').where('id', '=', id).execute();
      await appendWebhookEvents(trx, events);
      await trx.deleteFrom('event_days').where('site_id', '=', id).execute();
      await trx.deleteFrom('event_day_values').where('site_id', '=', id).execute();
    });
    // The raw events after the site, a slice at a time: a busy site's in one DELETE would stall
    // every request on SQLite. Any left by a crash in between belong to no site and age out with the rest.
    await deleteInSlices(async () => {
      const slice = (eb: ExpressionBuilder<Database, 'events'>) => eb.selectFrom('events').select('seq').where('site_id', '=', id).limit(PRUNE_SLICE);
      const { numDeletedRows } = await this.db.deleteFrom('events').where('seq', 'in', slice).executeTakeFirst();
      return Number(numDeletedRows);
    });
  }
}

class SqlKeyStore implements KeyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insertGuarded(key: ApiKey, maxKeys: number | null, now: Millis, events: readonly WebhookEvent[] = []): Promise<GuardedWrite> {
    return this.db.transaction().execute(async (trx) => {
      await lockAccount(trx, key.accountId);
      const outcome = await this.checkGuards(trx, key, maxKeys, now);
      if (outcome !== 'ok') return outcome;
      await appendWebhookEvents(trx, events);
      await trx.insertInto('api_keys').values(keyToRow(key)).execute();
      return outcome;
    });
  }

  async rotate(
    oldId: string,
    replacement: ApiKey,
    revokeOldAt: Millis,
    now: Millis,
    maxKeys: number | null,
    events: readonly WebhookEvent[] = [],
  ): Promise<GuardedWrite | 'NOT_ROTATABLE'> {
    return this.db
      .transaction()
      .execute(async (trx) => {
        await lockAccount(trx, replacement.accountId);
        // Only a key that is neither revoked nor in a grace period turns; the old key is revoked
        // first so that its name is free when the replacement takes it back.
        const { numUpdatedRows } = await trx
          .updateTable('api_keys')
          .set({ revoked_at: revokeOldAt })
          .where('id', '=', oldId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (numUpdatedRows === 0n) throw new GuardRefusal('NOT_ROTATABLE');
        // A grace period keeps the old key working beside its replacement: one more live key, which the limit must leave room for.
        const outcome = await this.checkGuards(trx, replacement, revokeOldAt > now ? maxKeys : null, now, oldId);
        if (outcome !== 'ok') throw new GuardRefusal(outcome);
        await appendWebhookEvents(trx, events);
        await trx.insertInto('api_keys').values(keyToRow(replacement)).execute();
        return outcome;
      })
      .catch((error) => {
        if (error instanceof GuardRefusal) return error.outcome;
        throw error;
      });
  }

  /** NAME_TAKEN or PLAN_LIMIT (counting live keys but `key` and `uncounted`) as of `now`, else ok. */
  private async checkGuards(trx: Transaction<Database>, key: ApiKey, maxKeys: number | null, now: Millis, uncounted?: string): Promise<GuardedWrite> {
    const live = await trx.selectFrom('api_keys').select(['id', 'name']).where('account_id', '=', key.accountId).where(notRevokedAt(now)).execute();
    if (live.some((row) => row.name === key.name && row.id !== key.id)) return 'NAME_TAKEN';
    if (maxKeys !== null && live.filter((row) => row.id !== key.id && row.id !== uncounted).length >= maxKeys) return 'PLAN_LIMIT';
    return 'ok';
  }

  async findByHash(hash: string): Promise<ApiKey | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
    return row && keyFromRow(row);
  }

  async find(id: string): Promise<ApiKey | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row && keyFromRow(row);
  }

  async list(accountId: string, liveAt: Millis | null): Promise<ApiKey[]> {
    let query = this.db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId);
    if (liveAt !== null) query = query.where(notRevokedAt(liveAt));
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(keyFromRow);
  }

  async update(id: string, changes: Partial<Pick<ApiKey, 'active' | 'revokedAt' | 'lastUsedAt'>>, events: readonly WebhookEvent[] = []): Promise<void> {
    const set: UpdateObject<Database, 'api_keys'> = {};
    if (changes.active !== undefined) set.active = changes.active ? 1 : 0;
    // A revocation moves only earlier: a grace period cannot be stretched by a later write.
    const revokedAt = changes.revokedAt;
    if (revokedAt !== undefined) set.revoked_at = sql<number>`case when revoked_at is null or revoked_at > ${revokedAt} then ${revokedAt} else revoked_at end`;
    if (changes.lastUsedAt !== undefined) set.last_used_at = changes.lastUsedAt;
    // Without events (last_used_at on the request path) this stays one statement, no transaction.
    await withWebhookEvents(this.db, events, (db) => db.updateTable('api_keys').set(set).where('id', '=', id).execute());
  }

  async revokeLeaked(id: string, leak: Omit<KeyLeak, 'dismissedAt'>, events: readonly WebhookEvent[] = []): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const { numUpdatedRows } = await trx
        .updateTable('api_keys')
        .set({ revoked_at: leak.at, leaked_at: leak.at, leak_source: leak.source, leak_url: leak.url })
        .where('id', '=', id)
        .where(notRevokedAt(leak.at))
        .executeTakeFirst();
      // A key already revoked is left as it is, and a repeated report announces nothing.
      if (numUpdatedRows === 0n) return false;
      await appendWebhookEvents(trx, events);
      return true;
    });
  }

  async dismissLeak(id: string, now: Millis): Promise<boolean> {
    const { numUpdatedRows } = await this.db
      .updateTable('api_keys')
      .set({ leak_dismissed_at: now })
      .where('id', '=', id)
      .where('leaked_at', 'is not', null)
      .where('leak_dismissed_at', 'is', null)
      .executeTakeFirst();
    return numUpdatedRows > 0n;
  }

  async edit(key: ApiKey, now: Millis, events: readonly WebhookEvent[] = []): Promise<'ok' | 'NAME_TAKEN'> {
    return this.db.transaction().execute(async (trx) => {
      await lockAccount(trx, key.accountId);
      if ((await this.checkGuards(trx, key, null, now)) === 'NAME_TAKEN') return 'NAME_TAKEN';
      const { name, category, expires_at, quotas, restrictions } = keyToRow(key);
      await trx.updateTable('api_keys').set({ name, category, expires_at, quotas, restrictions }).where('id', '=', key.id).execute();
      await appendWebhookEvents(trx, events);
      return 'ok';
    });
  }

  async deleteUnused(id: string, events: readonly WebhookEvent[] = []): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const { numDeletedRows } = await trx.deleteFrom('api_keys').where('id', '=', id).where('last_used_at', 'is', null).executeTakeFirst();
      if (numDeletedRows === 0n) return false;
      await appendWebhookEvents(trx, events);
      return true;
    });
  }
}

/** Rolls an account's creation back when its email is taken. */
class EmailTaken extends Error {}

/** Rolls a rotation's transaction back when a guard refuses it. */
class GuardRefusal extends Error {
  constructor(readonly outcome: GuardedWrite | 'NOT_ROTATABLE') {
    super(outcome);
  }
}

/** The stores over any Kysely dialect; the dialect's adapter supplies the change signal. */
export class SqlStore implements Store {
  readonly accounts: AccountStore;
  readonly sites: SiteStore;
  readonly keys: KeyStore;
  readonly sessions: SessionStore;
  readonly audit: AuditStore;
  readonly requestLogs: RequestLogStore;
  readonly events: EventStore;
  readonly webhooks: WebhookStore;
  readonly accessTokens: AccessTokenStore;
  /**
   * `reads` runs the long reads (see SqlRequestLogStore); the same `db` unless the dialect offers
   * better. `beside`: what runs next to the connection (SQLite's checkpoint thread), stopped by `close`.
   */
  constructor(
    private readonly db: Kysely<Database>,
    readonly keyChanges: KeyChangeSignal,
    dialect: Dialect,
    private readonly reads: Kysely<Database> = db,
    private readonly beside?: { close(): Promise<void> },
  ) {
    this.accounts = new SqlAccountStore(db);
    this.sites = new SqlSiteStore(db);
    this.keys = new SqlKeyStore(db);
    this.sessions = new SqlSessionStore(db);
    this.audit = new SqlAuditStore(db);
    this.requestLogs = new SqlRequestLogStore(db, dialect, reads);
    this.events = new SqlEventStore(db, dialect);
    // PostgreSQL's claims skip rows another instance is claiming; SQLite's single writer serialises them.
    this.webhooks = new SqlWebhookStore(db, { skipLocked: dialect === 'postgres', keyFromRow });
    this.accessTokens = new SqlAccessTokenStore(db);
  }

  async ping(): Promise<void> {
    // A write, the work a full, read-only or unreachable database refuses while its reads (from
    // cached pages, or a file system that still reads) may go on succeeding.
    await this.db
      .insertInto('storage_probe')
      .values({ id: 1, written_at: Date.now() })
      .onConflict((oc) => oc.column('id').doUpdateSet({ written_at: (eb) => eb.ref('excluded.written_at') }))
      .execute();
  }

  isFault(error: unknown): boolean {
    return isStorageFault(error);
  }

  async close(): Promise<void> {
    await this.keyChanges.close?.();
    if (this.reads !== this.db) await this.reads.destroy();
    await this.beside?.close();
    await this.db.destroy();
  }
}
