import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import { migrateToLatest } from '../sql/migrations.js';
import type { Database } from '../sql/schema.js';
import { SqlStore } from '../sql/sql-store.js';
import { SqliteChangeSignal } from './sqlite-change-signal.js';
import { SqliteCheckpointer, WRITER_CHECKPOINT_PAGES } from './sqlite-checkpointer.js';
import { sqliteReadThread } from './sqlite-read-worker.js';

const MAX_CACHED_STATEMENTS = 500;

/**
 * The connection as Kysely's driver sees it, reusing prepared statements by SQL text:
 * the driver prepares every query anew, which costs more than running most of ours.
 */
function withStatementCache(connection: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  const rollback = connection.prepare('rollback');
  // SQLite rolls a transaction back itself on some errors (SQLITE_FULL, SQLITE_IOERR); Kysely's
  // ROLLBACK then fails, and its "no transaction is active" would hide the error that matters.
  const rollbackIfActive = {
    reader: false,
    run: () => (connection.inTransaction ? rollback.run() : { changes: 0, lastInsertRowid: 0 }),
    all: () => [],
    iterate: () => [][Symbol.iterator](),
  };
  return {
    close: () => connection.close(),
    prepare(sql: string) {
      if (sql === 'rollback') return rollbackIfActive;
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
        statement = connection.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

/** Opens (creating and migrating if needed) the embedded database at `path`. */
export async function openSqliteStore(path: string): Promise<SqlStore> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const connection = new BetterSqlite3(path);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('busy_timeout = 5000');
  connection.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  // Kysely takes no lock on SQLite and runs DDL outside a transaction, so processes opening
  // a new file together (server and CLI on a fresh install) would race; the write lock
  // makes the others wait (busy_timeout) and then find the work done.
  connection.exec('BEGIN IMMEDIATE');
  try {
    await migrateToLatest(db, 'sqlite');
    connection.exec('COMMIT');
  } catch (error) {
    if (connection.inTransaction) connection.exec('ROLLBACK');
    throw error;
  }
  // Beside the database file: every process that opens it listens there for the others' key changes.
  const signalDirectory = path === ':memory:' ? undefined : join(dirname(path), 'keygate-changes');
  // Opened after the migrations, which create the file; an in-memory database has no second connection.
  const reads = path === ':memory:' ? db : sqliteReadThread<Database>(path);
  let checkpointer: SqliteCheckpointer | undefined;
  if (path !== ':memory:') {
    connection.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
    checkpointer = SqliteCheckpointer.start(path);
  }
  return new SqlStore(db, await SqliteChangeSignal.open(connection, signalDirectory), 'sqlite', reads, checkpointer);
}
