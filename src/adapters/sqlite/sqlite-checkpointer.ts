import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the thread copies the write-ahead log back into the database file. */
const CHECKPOINT_EVERY_MS = 200;
/**
 * The writer's own automatic checkpoint, in pages of the log: far above what the thread lets
 * accumulate, it only copies what the thread's checkpoints, which run beside the writer's
 * commits, leave behind. It is then the writer's, which lets SQLite restart the log from its start.
 */
export const WRITER_CHECKPOINT_PAGES = 10_000;

/** Plain JavaScript run in the thread: a connection of its own, a PASSIVE checkpoint each tick. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
const timer = setInterval(() => {
  // A checkpoint that fails (a full or read-only disk) is tried again next tick; the log keeps every commit meanwhile.
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * WAL checkpoints in a thread of their own. A checkpoint copies the log into the database file
 * and syncs it: about 10 ms on this machine, almost all of it waiting for the disk. SQLite's
 * automatic checkpoint runs inside the commit that crosses 1,000 pages, several times a second
 * under load, and stalls every request of the process that long; here a PASSIVE checkpoint,
 * which neither waits for nor blocks the writer and the readers, runs every CHECKPOINT_EVERY_MS
 * on another thread. The file must be in WAL mode.
 */
export class SqliteCheckpointer {
  private exited = false;

  private constructor(private readonly worker: Worker) {
    worker.once('exit', () => (this.exited = true));
  }

  static start(path: string): SqliteCheckpointer {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, everyMs: CHECKPOINT_EVERY_MS } });
    // Should the thread fail, the writer's own checkpoint (WRITER_CHECKPOINT_PAGES) still bounds the log.
    worker.on('error', () => undefined);
    worker.unref();
    return new SqliteCheckpointer(worker);
  }

  /** Stops the thread and closes its connection, before the writer's closes (the last one removes the log). */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = once(this.worker, 'exit');
    // Held until it has exited: a process whose last work is this close must wait for it.
    this.worker.ref();
    this.worker.postMessage('close');
    await exited;
  }
}
