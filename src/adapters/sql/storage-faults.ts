/**
 * The database cannot be reached: a connection to it could not be opened, or broke under a
 * statement (a restart, a cut network). Raised by the storage adapter, the one place that
 * knows a socket error is its database's: bare socket errnos are not storage faults, since
 * Redis raises them too, and a Redis outage is answered 500, fail closed.
 */
export class StorageUnreachableError extends Error {
  constructor(cause: unknown) {
    // The cause (pg's message names host, port and user, never a password) is logged with it.
    super('The database is not reachable', { cause });
    this.name = 'StorageUnreachableError';
  }
}

/**
 * Errors that mean the database cannot do the work now, through no fault of the request:
 * out of space, read-only, unreachable, or (PostgreSQL) shutting down or starting up.
 * better-sqlite3 sets `code` to SQLite's (extended) result name, pg to the SQLSTATE: class 08
 * (connection exception), 53 (insufficient resources), 57P01–03 (shutdown, crash, cannot
 * connect now), 25006 (read-only transaction), 58030 (I/O error).
 */
const SQLITE_FAULTS = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN)/;
const POSTGRES_FAULTS = /^(08...|53...|57P0[123]|25006|58030)$/;

export function isStorageFault(error: unknown): boolean {
  if (error instanceof StorageUnreachableError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (SQLITE_FAULTS.test(code) || POSTGRES_FAULTS.test(code));
}
