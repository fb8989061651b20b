import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { KeyChangeSignal } from '../../core/ports.js';
import { migrateToLatest } from '../sql/migrations.js';
import type { Database } from '../sql/schema.js';
import { SqlStore } from '../sql/sql-store.js';

/**
 * Key changes on one SQLite file: PRAGMA data_version moves when another connection (the
 * admin CLI, say) commits, and a local counter covers this connection's own writes.
 * Both reads are synchronous and cost about a microsecond.
 */
class SqliteKeyChangeSignal implements KeyChangeSignal {
  private local = 0;
  private readonly dataVersion: BetterSqlite3.Statement;

  constructor(connection: BetterSqlite3.Database) {
    this.dataVersion = connection.prepare('PRAGMA data_version').pluck();
  }

  version(): string {
    return `${this.dataVersion.get() as number}:${this.local}`;
  }

  announce(): void {
    this.local++;
  }
}

const MAX_CACHED_STATEMENTS = 500;

/**
 * The connection as Kysely's driver sees it, reusing prepared statements by SQL text:
 * the driver prepares every query anew, which costs more than running most of ours.
 */
function withStatementCache(connection: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => connection.close(),
    prepare(sql: string) {
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
  return new SqlStore(db, new SqliteKeyChangeSignal(connection), 'sqlite');
}
