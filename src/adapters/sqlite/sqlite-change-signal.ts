import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { KeyChangeSignal } from '../../core/ports.js';

/** How long a process waits for another to take its announcement before going on without it. */
const ANNOUNCE_TIMEOUT_MS = 2000;
/** Writes by anything else than a Keygate process (an operator's sqlite3 shell) are seen this late at most. */
export const UNANNOUNCED_WRITES_SEEN_WITHIN_MS = 1000;
/** Unix socket paths are limited to about 107 bytes. */
const MAX_SOCKET_PATH = 100;

/**
 * Key changes on one SQLite file, shared by the processes that open it (the server, the admin
 * CLI) without a query per request: each process listens on a Unix socket in `directory`, and
 * a process that changes a key tells every other one and waits until each has taken it before
 * its write counts as done. So the CLI returns only once the server will refuse a revoked key,
 * and the next request is refused. PRAGMA data_version (which moves when another connection
 * commits) is still read, at most once a second, for writers that do not announce.
 */
export class SqliteChangeSignal implements KeyChangeSignal {
  private local = 0;
  private dataVersion: number;
  private checkedAt = 0;
  private readonly dataVersionQuery: BetterSqlite3.Statement;
  private readonly socketPath: string | undefined;
  private readonly server: Server | undefined;

  private constructor(
    connection: BetterSqlite3.Database,
    private readonly directory: string | undefined,
    server: Server | undefined,
    socketPath: string | undefined,
  ) {
    this.dataVersionQuery = connection.prepare('PRAGMA data_version').pluck();
    this.dataVersion = this.dataVersionQuery.get() as number;
    this.server = server;
    this.socketPath = socketPath;
  }

  /**
   * Listens for the other processes' announcements in `directory` (beside the database file);
   * without one (an in-memory database, a path too long for a socket), data_version alone is
   * read, on every request.
   */
  static async open(connection: BetterSqlite3.Database, directory: string | undefined): Promise<SqliteChangeSignal> {
    const socketPath = directory && join(directory, `${process.pid}-${randomBytes(6).toString('hex')}.sock`);
    if (!directory || !socketPath || socketPath.length > MAX_SOCKET_PATH) return new SqliteChangeSignal(connection, undefined, undefined, undefined);
    mkdirSync(directory, { recursive: true });
    let signal: SqliteChangeSignal | undefined;
    const server = createServer((socket) => {
      socket.on('data', () => {
        signal?.heard();
        socket.end('1');
      });
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
    // The CLI's listener must not keep it alive.
    server.unref();
    signal = new SqliteChangeSignal(connection, directory, server, socketPath);
    return signal;
  }

  version(): string {
    const now = Date.now();
    if (!this.server || now - this.checkedAt >= UNANNOUNCED_WRITES_SEEN_WITHIN_MS) {
      this.checkedAt = now;
      const dataVersion = this.dataVersionQuery.get() as number;
      if (dataVersion !== this.dataVersion) {
        this.dataVersion = dataVersion;
        this.local++;
      }
    }
    return String(this.local);
  }

  async announce(): Promise<void> {
    this.local++;
    if (!this.directory) return;
    const others = readdirSync(this.directory).filter((name) => name.endsWith('.sock') && join(this.directory!, name) !== this.socketPath);
    await Promise.all(others.map((name) => this.tell(join(this.directory!, name))));
  }

  async close(): Promise<void> {
    if (!this.server) return;
    await new Promise((resolve) => this.server!.close(resolve));
  }

  /** Another process changed a key: what is cached here may be stale. */
  private heard(): void {
    this.local++;
  }

  /** Tells one listener and waits for its answer; a socket nobody listens on any more is removed. */
  private tell(path: string): Promise<void> {
    return new Promise((resolve) => {
      const socket = createConnection(path);
      socket.setTimeout(ANNOUNCE_TIMEOUT_MS, () => socket.destroy());
      socket.on('connect', () => socket.write('1'));
      socket.on('data', () => socket.end());
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') {
          try {
            unlinkSync(path);
          } catch {
            // another process removed it first
          }
        }
      });
      socket.on('close', () => resolve());
    });
  }
}
