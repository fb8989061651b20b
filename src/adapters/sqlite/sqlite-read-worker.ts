import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

/** Plain JavaScript run in the thread: a read-only connection of its own answering one query per message. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const statements = new Map();
parentPort.on('message', ({ id, sql, parameters }) => {
  try {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= 500) statements.clear();
      statements.set(sql, (statement = db.prepare(sql)));
    }
    parentPort.postMessage({ id, rows: statement.reader ? statement.all(parameters) : [] });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

type Answer = { id: number; rows: unknown[] } | { id: number; error: { message: string; code?: string } };

/** A worker thread holding a read-only connection to the database file, started by the first query. */
class ReadWorker {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, { resolve(rows: unknown[]): void; reject(error: Error): void }>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(private readonly path: string) {}

  query(sql: string, parameters: readonly unknown[]): Promise<unknown[]> {
    if (this.failure) return Promise.reject(this.failure);
    this.worker ??= this.start();
    const worker = this.worker;
    const id = this.nextId++;
    // Held while a query is out, so that a process waiting for an answer does not exit.
    worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, sql, parameters });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }

  private start(): Worker {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: this.path, driver } });
    worker.on('message', (answer: Answer) => {
      const waiter = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (this.waiting.size === 0) worker.unref();
      if ('rows' in answer) waiter?.resolve(answer.rows);
      else waiter?.reject(Object.assign(new Error(answer.error.message), { code: answer.error.code }));
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', () => this.fail(new Error('the SQLite read thread has stopped')));
    return worker;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

class ReadWorkerDriver implements Driver {
  private readonly connection: DatabaseConnection;

  constructor(private readonly worker: ReadWorker) {
    this.connection = {
      executeQuery: async <R>(query: CompiledQuery): Promise<QueryResult<R>> => ({ rows: (await worker.query(query.sql, query.parameters)) as R[] }),
      streamQuery: () => {
        throw new Error('the SQLite read thread does not stream');
      },
    };
  }

  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection;
  }
  async beginTransaction(): Promise<void> {
    throw new Error('the SQLite read thread runs single reads, not transactions');
  }
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  destroy(): Promise<void> {
    return this.worker.close();
  }
}

/**
 * A Kysely over a read-only connection in a worker thread, for the reads that can scan many
 * rows (the dashboard's log pages, counts and charts): better-sqlite3 runs a query
 * synchronously, and on the server's own thread a long one would stall every request.
 * The file must be in WAL mode, so that the thread reads while the server writes.
 */
export function sqliteReadThread<DB>(path: string): Kysely<DB> {
  const worker = new ReadWorker(path);
  const dialect: Dialect = {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new ReadWorkerDriver(worker),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
  return new Kysely<DB>({ dialect });
}
