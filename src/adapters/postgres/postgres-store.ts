import { Kysely, type PostgresCursor, PostgresDialect, type PostgresPool, type PostgresPoolClient, type PostgresQueryResult, sql } from 'kysely';
import pg from 'pg';
import type { KeyChangeSignal } from '../../core/ports.js';
import { migrateToLatest } from '../sql/migrations.js';
import { statementName } from '../sql/named-statements.js';
import { PreparedQuery } from '../sql/prepared.js';
import type { Database } from '../sql/schema.js';
import { SqlStore } from '../sql/sql-store.js';
import { StorageUnreachableError } from '../sql/storage-faults.js';

const POOL_SIZE = 10;

/** Any constant of ours: serialises migrations across instances starting on the same database. */
const MIGRATION_LOCK = 0x6b657967;

/**
 * Counts (`count(*)`, `sum(...)`) and millisecond times come back from PostgreSQL as int8 and
 * numeric, which pg returns as strings to be safe beyond 2^53; ours stay far below it. Set
 * on this pool only, so other pg users in the process keep the default.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC
      ? Number
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Key changes across instances: a one-row counter that every local key write bumps after
 * committing, read once per authenticated request (one round trip). A key written by any
 * instance is seen by every other on its next request.
 */
export class PostgresKeyChangeSignal implements KeyChangeSignal {
  private readonly current: PreparedQuery<{ version: number }>;

  constructor(private readonly db: Kysely<Database>) {
    this.current = new PreparedQuery(db.selectFrom('key_change_version').select('version'));
  }

  async version(): Promise<string> {
    const [row] = await this.current.rows(this.db);
    return String(row!.version);
  }

  async announce(): Promise<void> {
    await this.db.updateTable('key_change_version').set({ version: sql`version + 1` }).execute();
  }
}

/** PostgreSQL's own errors carry a SQLSTATE, classified as they are; anything else here is the connection's. */
const unreachable = (error: unknown) => (error instanceof pg.DatabaseError ? error : new StorageUnreachableError(error));

/**
 * A pooled connection as Kysely uses it. A statement that fails once the connection has
 * broken (pg then rejects it with a socket error or "Connection terminated unexpectedly",
 * after the client's 'error' event) fails as unreachable storage, so the request is
 * answered 503 NOT_READY rather than 500. The pool drops the broken client on release.
 */
class WatchedClient implements PostgresPoolClient {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly broken: WeakSet<pg.PoolClient>,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(statement: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof statement !== 'string') return this.client.query(statement as never);
    return this.client.query({ name: statementName(statement), text: statement, values: parameters as unknown[] }).catch((error: unknown) => {
      throw this.broken.has(this.client) ? unreachable(error) : error;
    }) as Promise<PostgresQueryResult<R>>;
  }

  release(): void {
    this.client.release();
  }
}

/** pg's pool for Kysely, telling a connection that cannot be opened (PostgreSQL down or restarting) from a bad statement. */
class WatchedPool implements PostgresPool {
  private readonly broken = new WeakSet<pg.PoolClient>();
  private readonly watched = new WeakMap<pg.PoolClient, WatchedClient>();

  constructor(private readonly pool: pg.Pool) {
    // An idle connection that breaks (a server restart) is dropped by the pool and replaced on
    // the next query, which reports its own error; unhandled, this event would end the process.
    pool.on('error', () => {});
    // One that breaks while checked out (between two statements of a transaction) emits 'error'
    // on the client itself, where an unhandled event would end the process too. The statement
    // that next uses it fails instead, and the pool drops the client on release.
    pool.on('connect', (client) => client.on('error', () => this.broken.add(client)));
  }

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw unreachable(error);
    });
    let watched = this.watched.get(client);
    if (!watched) {
      watched = new WatchedClient(client, this.broken);
      this.watched.set(client, watched);
    }
    return watched;
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * Opens the PostgreSQL database at `url`, migrating it if needed. `keyChanges` replaces the
 * database's own signal (Redis's, when instances share one).
 */
export async function openPostgresStore(url: string, { keyChanges }: { keyChanges?: KeyChangeSignal | undefined } = {}): Promise<SqlStore> {
  const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, types });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new WatchedPool(pool) }) });
  try {
    await migrateUnderLock(pool, db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new SqlStore(db, keyChanges ?? new PostgresKeyChangeSignal(db), 'postgres');
}

/**
 * Instances may start together on a fresh database. Kysely's migrator takes an advisory lock
 * of its own only around applying migrations; before that it creates its bookkeeping tables
 * check-then-create, getting over a lost race by checking again. This session lock, held on
 * a connection of its own, covers all of it: the others wait, then find the work done.
 */
async function migrateUnderLock(pool: pg.Pool, db: Kysely<Database>): Promise<void> {
  const lock = await pool.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrateToLatest(db, 'postgres');
  } finally {
    // Ending the session releases the lock, whatever state a failed migration left it in.
    lock.release(true);
  }
}
