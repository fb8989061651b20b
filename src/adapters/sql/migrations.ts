import { type Migration, type MigrationProvider, Migrator, type MigratorProps, sql } from 'kysely';

/**
 * Versioned schema changes, applied in name order on start. Append new ones; never edit one
 * that has shipped. Written with Kysely's schema builder so SQLite and PostgreSQL share them;
 * the rare type that differs is chosen by `dialect`.
 */
const migrations = (dialect: Dialect): Record<string, Migration> => ({
  '0001_accounts_sites_keys': {
    async up(db) {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('plan', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sites')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('site_key', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sites_by_account').on('sites').columns(['account_id', 'created_at']).execute();
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('category', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('last4', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('active', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('quotas', 'text', (c) => c.notNull())
        .addColumn('restrictions', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('api_keys_by_account').on('api_keys').columns(['account_id', 'created_at']).execute();
      // Backstop for the name rule; the store also refuses names held by keys in a rotation's grace.
      await db.schema
        .createIndex('api_keys_unrevoked_name')
        .unique()
        .on('api_keys')
        .columns(['account_id', 'name'])
        .where(sql.ref('revoked_at'), 'is', null)
        .execute();
    },
  },
  '0002_request_logs_and_usage': {
    async up(db) {
      await db.schema
        .createTable('request_logs')
        // Rows append in `seq` order. The random request id gets no index: inserting into
        // one at random places dirties a page per row, which dominated the batch commit.
        .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('route', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('duration_ms', 'real', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('referrer', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('credits', 'integer', (c) => c.notNull())
        .addColumn('accepted', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('request_logs_by_key').on('request_logs').columns(['key_id', 'time']).execute();
      await db.schema.createIndex('request_logs_by_account').on('request_logs').columns(['account_id', 'time']).execute();
      await db.schema
        .createTable('key_usage')
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('minute', 'bigint', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('key_usage_pk', ['key_id', 'minute'])
        .execute();
      await db.schema
        .alterTable('api_keys')
        .addColumn('usage_total', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '0003_events': {
    async up(db) {
      // Raw hits, appended in `seq` order like request_logs; kept for a while, then pruned by time.
      await db.schema
        .createTable('events')
        .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => c.primaryKey())
        .addColumn('site_id', 'text', (c) => c.notNull())
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('referrer', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('bot', 'text')
        .execute();
      await db.schema.createIndex('events_by_time').on('events').column('time').execute();
      // Rollups, the only thing counts and stats read. `day` is whole UTC days since the epoch.
      await db.schema
        .createTable('event_days')
        .addColumn('site_id', 'text', (c) => c.notNull())
        .addColumn('day', 'integer', (c) => c.notNull())
        .addColumn('humans', 'bigint', (c) => c.notNull())
        .addColumn('bots', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('event_days_pk', ['site_id', 'day'])
        .execute();
      await db.schema
        .createTable('event_day_values')
        .addColumn('site_id', 'text', (c) => c.notNull())
        .addColumn('dimension', 'text', (c) => c.notNull())
        .addColumn('day', 'integer', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('events', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('event_day_values_pk', ['site_id', 'dimension', 'day', 'value'])
        .execute();
    },
  },
  '0004_sessions_audit': {
    async up(db) {
      await db.schema
        .createTable('sessions')
        // SHA-256 of the session id: a stolen database file holds no usable session.
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_by_expiry').on('sessions').column('expires_at').execute();
      await db.schema
        .createTable('audit_log')
        // `seq` orders entries written in the same millisecond.
        .addColumn('seq', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('target_name', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_by_account').on('audit_log').columns(['account_id', 'time', 'seq']).execute();
    },
  },
  '0005_key_change_version': {
    async up(db) {
      // PostgreSQL's key-change signal: a one-row counter bumped after each key write. SQLite
      // needs no table (PRAGMA data_version tells it), so it gets none.
      if (dialect !== 'postgres') return;
      await db.schema
        .createTable('key_change_version')
        .addColumn('version', 'bigint', (c) => c.notNull())
        .execute();
      await db.insertInto('key_change_version').values({ version: 0 }).execute();
    },
  },
  '0006_event_values_in_byte_order': {
    async up(db) {
      // Top values break ties by value. SQLite compares text byte by byte; PostgreSQL by the
      // database's locale, where en_US puts '/b' before '/B'. "C" makes both order alike.
      if (dialect !== 'postgres') return;
      await db.schema
        .alterTable('event_day_values')
        .alterColumn('value', (c) => c.setDataType(sql`text collate "C"`))
        .execute();
    },
  },
  '0007_durations_in_double_precision': {
    async up(db) {
      // `real` is 8 bytes on SQLite but 4 on PostgreSQL, which would round request durations.
      if (dialect !== 'postgres') return;
      await db.schema
        .alterTable('request_logs')
        .alterColumn('duration_ms', (c) => c.setDataType('double precision'))
        .execute();
    },
  },
  '0020_key_leaks': {
    async up(db) {
      for (const [column, type] of [
        ['leaked_at', 'bigint'],
        ['leak_source', 'text'],
        ['leak_url', 'text'],
        ['leak_dismissed_at', 'bigint'],
      ] as const) {
        await db.schema.alterTable('api_keys').addColumn(column, type).execute();
      }
    },
  },
  '0030_webhooks': {
    async up(db) {
      const serial = dialect === 'postgres' ? 'bigserial' : 'integer';
      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('disabled_reason', 'text')
        .addColumn('failing_since', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_endpoints_by_account').on('webhook_endpoints').columns(['account_id', 'created_at']).execute();
      // The types an endpoint wants, `*` for all: events fan out to deliveries with one INSERT ... SELECT.
      await db.schema
        .createTable('webhook_endpoint_events')
        .addColumn('endpoint_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('webhook_endpoint_events_pk', ['endpoint_id', 'type'])
        .execute();
      await db.schema
        .createTable('webhook_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('seq', serial, (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('endpoint_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('claimed_until', 'bigint')
        .addColumn('claimed_by', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['state', 'next_attempt_at']).execute();
      await db.schema.createIndex('webhook_deliveries_by_endpoint').on('webhook_deliveries').column('endpoint_id').execute();
      await db.schema
        .createTable('webhook_attempts')
        .addColumn('seq', serial, (c) => c.primaryKey())
        .addColumn('delivery_seq', 'bigint', (c) => c.notNull())
        .addColumn('endpoint_id', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('status', 'integer')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('webhook_attempts_by_endpoint').on('webhook_attempts').columns(['endpoint_id', 'time', 'seq']).execute();
      await db.schema.createIndex('webhook_attempts_by_time').on('webhook_attempts').column('time').execute();
      await db.schema.createIndex('webhook_events_by_time').on('webhook_events').column('created_at').execute();
      // What the watchers have already announced (key, window, level): restarts and other instances never repeat it.
      await db.schema
        .createTable('webhook_notices')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhook_notices_by_time').on('webhook_notices').column('created_at').execute();
      await db.schema.createIndex('api_keys_by_expiry').on('api_keys').column('expires_at').execute();
    },
  },
  '0040_oauth_access_tokens': {
    async up(db) {
      // OAuth 2.0 access tokens (SPEC §11), by the SHA-256 of the token: a stolen database holds none usable.
      await db.schema
        .createTable('access_tokens')
        .addColumn('hash', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('access_tokens_by_key').on('access_tokens').columns(['key_id', 'expires_at']).execute();
      await db.schema.createIndex('access_tokens_by_expiry').on('access_tokens').column('expires_at').execute();
      // How a logged request authenticated: with its key, or with an OAuth access token of that key.
      await db.schema
        .alterTable('request_logs')
        .addColumn('auth', 'text', (c) => c.notNull().defaultTo('key'))
        .execute();
    },
  },
  '0015_request_log_request_counts': {
    async up(db) {
      // Past a per-key rate, refused requests are summed into one row: how many it stands for.
      await db.schema
        .alterTable('request_logs')
        .addColumn('requests', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
    },
  },
  '0016_indexes_for_dashboard_reads_and_site_deletion': {
    async up(db) {
      // With the status (and count) in the index, the dashboard's totals, status filters and per-day
      // chart read the index alone, not a table row per request; they serve every (owner, time) lookup before.
      await db.schema.dropIndex('request_logs_by_account').execute();
      await db.schema.createIndex('request_logs_by_account_time_status').on('request_logs').columns(['account_id', 'time', 'status', 'requests']).execute();
      await db.schema.dropIndex('request_logs_by_key').execute();
      await db.schema.createIndex('request_logs_by_key_time_status').on('request_logs').columns(['key_id', 'time', 'status']).execute();
      // Deleting a site finds its raw events without scanning every site's.
      await db.schema.createIndex('events_by_site').on('events').columns(['site_id', 'seq']).execute();
    },
  },
  '0017_storage_probe': {
    async up(db) {
      await db.schema
        .createTable('storage_probe')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('written_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0050_request_logs_by_id': {
    async up(db) {
      // The dashboard finds a request by the request_id its answer carried. Request ids start
      // with their time (newRequestId), so this index grows at one end like the sequence, not
      // at random places, which is what kept 0002 from indexing them.
      await db.schema.createIndex('request_logs_by_id').on('request_logs').column('id').execute();
    },
  },
  '0051_sessions_by_user': {
    async up(db) {
      // The account page lists a user's sessions, and a password change ends them.
      await db.schema.createIndex('sessions_by_user').on('sessions').column('user_id').execute();
    },
  },
});

export type Dialect = 'sqlite' | 'postgres';

export async function migrateToLatest(db: MigratorProps['db'], dialect: Dialect): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error | undefined)?.message ?? 'unknown error'}`);
  }
}
