/**
 * Errors that mean the database cannot do the work now, through no fault of the request:
 * out of space, read-only, or (PostgreSQL) shutting down. better-sqlite3 sets `code` to
 * SQLite's (extended) result name, pg to the SQLSTATE. (Socket errnos are left out: Redis
 * raises them too, and a Redis outage is answered 500, fail closed.)
 */
const SQLITE_FAULTS = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN)/;
const POSTGRES_FAULTS = new Set(['53100', '53000', '25006', '58030', '57P01', '57P02', '57P03']);

export function isStorageFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (SQLITE_FAULTS.test(code) || POSTGRES_FAULTS.has(code));
}
