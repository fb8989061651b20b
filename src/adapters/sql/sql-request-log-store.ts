import { CompiledQuery, type Kysely, type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import type { Millis } from '../../core/model.js';
import type {
  DailyRequests,
  LoggedRequest,
  LogRetention,
  Position,
  RequestAuth,
  RequestLogEntry,
  RequestLogFilter,
  RequestLogStore,
} from '../../core/ports.js';
import { MINUTE_MS } from '../../core/rolling-windows.js';
import type { KeyMode } from '../../lib/key-format.js';
import { DAY_MS } from '../../lib/utc-days.js';
import { BulkInsert, type ColumnType } from './bulk-insert.js';
import { deleteInSlices, PRUNE_SLICE } from './delete-in-slices.js';
import { newestFirstPage } from './keyset.js';
import { inLockOrder } from './lock-order.js';
import type { Dialect } from './migrations.js';
import { named } from './named-statements.js';
import { arg, PreparedQuery } from './prepared.js';
import type { Database } from './schema.js';

type LogRow = Omit<Selectable<Database['request_logs']>, 'seq'>;

const USAGE_KEPT_MS = 31 * DAY_MS;

function toRow(entry: RequestLogEntry): LogRow {
  return {
    id: entry.id,
    account_id: entry.accountId,
    key_id: entry.keyId,
    mode: entry.mode,
    time: entry.time,
    method: entry.method,
    route: entry.route,
    path: entry.path,
    status: entry.status,
    error_code: entry.errorCode,
    duration_ms: entry.durationMs,
    ip: entry.ip,
    referrer: entry.referrer,
    user_agent: entry.userAgent,
    credits: entry.credits,
    accepted: entry.accepted ? 1 : 0,
    auth: entry.auth,
    requests: entry.requests,
  };
}

function fromRow(row: LogRow): RequestLogEntry {
  return {
    id: row.id,
    accountId: row.account_id,
    keyId: row.key_id,
    mode: row.mode as KeyMode,
    time: Number(row.time),
    method: row.method,
    route: row.route,
    path: row.path,
    status: row.status,
    errorCode: row.error_code,
    durationMs: row.duration_ms,
    ip: row.ip,
    referrer: row.referrer,
    userAgent: row.user_agent,
    credits: row.credits,
    accepted: row.accepted === 1,
    auth: row.auth as RequestAuth,
    requests: Number(row.requests),
  };
}

/** Per key: accepted requests, in all and per minute. */
function summarize(entries: readonly RequestLogEntry[]) {
  const keys = new Map<string, { minutes: Map<number, number>; accepted: number }>();
  for (const entry of entries) {
    if (!entry.accepted) continue;
    const key = keys.get(entry.keyId) ?? { minutes: new Map(), accepted: 0 };
    keys.set(entry.keyId, key);
    const minute = Math.floor(entry.time / MINUTE_MS);
    key.minutes.set(minute, (key.minutes.get(minute) ?? 0) + 1);
    key.accepted++;
  }
  return keys;
}

const LOG_COLUMNS: ReadonlyArray<readonly [keyof LogRow, ColumnType]> = [
  ['id', 'text'],
  ['account_id', 'text'],
  ['key_id', 'text'],
  ['mode', 'text'],
  ['time', 'bigint'],
  ['method', 'text'],
  ['route', 'text'],
  ['path', 'text'],
  ['status', 'integer'],
  ['error_code', 'text'],
  ['duration_ms', 'double precision'],
  ['ip', 'text'],
  ['referrer', 'text'],
  ['user_agent', 'text'],
  ['credits', 'integer'],
  ['accepted', 'integer'],
  ['auth', 'text'],
  ['requests', 'integer'],
];

/**
 * PostgreSQL's whole batch in one statement, so one round trip and its own transaction: the
 * rows, then the minute counts and totals from arrays sorted by key. PostgreSQL runs the
 * main UPDATE first and the WITH parts nobody reads after it, so concurrent batches of any
 * instances lock api_keys and then key_usage rows in one order and wait instead of deadlocking.
 */
function postgresBatchText(insertLogs: BulkInsert<LogRow>): string {
  const at = LOG_COLUMNS.length;
  return `with logged as (${insertLogs.postgresText}),
  counted as (
    insert into key_usage (key_id, minute, count) select * from unnest($${at + 1}::text[], $${at + 2}::bigint[], $${at + 3}::bigint[])
    on conflict (key_id, minute) do update set count = key_usage.count + excluded.count
  )
  update api_keys set usage_total = usage_total + totals.accepted
  from unnest($${at + 4}::text[], $${at + 5}::bigint[]) as totals (id, accepted) where api_keys.id = totals.id`;
}

/** The batch's statements, compiled once: on SQLite a batch runs the first once and the others once per key and minute. */
function batchStatements(db: Kysely<Database>, dialect: Dialect) {
  const insertLogs = new BulkInsert<LogRow>(dialect, 'request_logs', LOG_COLUMNS);
  return {
    insertLogs,
    postgresBatch: dialect === 'postgres' ? named(postgresBatchText(insertLogs)) : undefined,
    addMinute: new PreparedQuery(
      db
        .insertInto('key_usage')
        .values({ key_id: arg(0), minute: arg(1), count: arg(2) })
        .onConflict((oc) => oc.columns(['key_id', 'minute']).doUpdateSet({ count: sql`key_usage.count + excluded.count` })),
    ),
    addTotal: new PreparedQuery(
      db
        .updateTable('api_keys')
        .set({ usage_total: sql`usage_total + ${arg(1)}` })
        .where('id', '=', arg(0)),
    ),
  };
}

/** Narrows a request-log query to the rows `filter` matches. */
function matching<O>(query: SelectQueryBuilder<Database, 'request_logs', O>, { accountId, keyId, id, status, from, to }: RequestLogFilter) {
  if (accountId !== undefined) query = query.where('request_logs.account_id', '=', accountId);
  if (id !== undefined) query = query.where('request_logs.id', '=', id);
  if (keyId !== undefined) query = query.where('request_logs.key_id', '=', keyId);
  if (status !== undefined) query = query.where('request_logs.status', '>=', status.min).where('request_logs.status', '<=', status.max);
  if (from !== undefined) query = query.where('request_logs.time', '>=', from);
  if (to !== undefined) query = query.where('request_logs.time', '<=', to);
  return query;
}

export class SqlRequestLogStore implements RequestLogStore {
  private readonly batch: ReturnType<typeof batchStatements>;

  /**
   * `reads` serves the reads that may scan an account's whole log (the dashboard's pages,
   * totals, CSV and chart): on SQLite a connection in another thread, so that they cannot
   * stall the requests this process serves meanwhile.
   */
  constructor(
    private readonly db: Kysely<Database>,
    dialect: Dialect,
    private readonly reads: Kysely<Database> = db,
  ) {
    this.batch = batchStatements(db, dialect);
  }

  async append(entries: readonly RequestLogEntry[]): Promise<void> {
    const { insertLogs, postgresBatch, addMinute, addTotal } = this.batch;
    if (postgresBatch !== undefined) {
      const minutes: [string[], number[], number[]] = [[], [], []];
      const totals: [string[], number[]] = [[], []];
      for (const [keyId, usage] of inLockOrder(summarize(entries))) {
        for (const [minute, count] of inLockOrder(usage.minutes)) {
          minutes[0].push(keyId);
          minutes[1].push(minute);
          minutes[2].push(count);
        }
        totals[0].push(keyId);
        totals[1].push(usage.accepted);
      }
      await this.db.executeQuery(CompiledQuery.raw(postgresBatch, [...insertLogs.postgresParameters(entries.map(toRow)), ...minutes, ...totals]));
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      await insertLogs.run(trx, entries.map(toRow));
      for (const [keyId, usage] of inLockOrder(summarize(entries))) {
        for (const [minute, count] of inLockOrder(usage.minutes)) await addMinute.run(trx, keyId, minute, count);
        await addTotal.run(trx, keyId, usage.accepted);
      }
    });
  }

  async count(filter: RequestLogFilter): Promise<number> {
    const { count } = await matching(this.reads.selectFrom('request_logs'), filter)
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  async list(filter: RequestLogFilter, after: Position | undefined, limit: number): Promise<LoggedRequest[]> {
    const query = matching(this.reads.selectFrom('request_logs'), filter)
      .leftJoin('api_keys', 'api_keys.id', 'request_logs.key_id')
      .selectAll('request_logs')
      .select('api_keys.name as key_name');
    const rows = await newestFirstPage(query, 'request_logs', after, limit).execute();
    return rows.map((row) => ({ ...fromRow(row), seq: Number(row.seq), keyName: row.key_name }));
  }

  async daily(accountId: string, fromDay: number, toDay: number): Promise<DailyRequests[]> {
    // A literal divisor: the driver binds JS numbers as floating point, and the division must be whole.
    const day = sql<number>`request_logs.time / ${sql.lit(DAY_MS)}`;
    const rows = await this.reads
      .selectFrom('request_logs')
      .select([
        day.as('day'),
        // A summary row of sampled refusals stands for `requests` requests.
        sql<number>`sum(request_logs.requests)`.as('requests'),
        sql<number>`sum(case when request_logs.status >= 400 then request_logs.requests else 0 end)`.as('errors'),
      ])
      .where('account_id', '=', accountId)
      .where('time', '>=', fromDay * DAY_MS)
      .where('time', '<', (toDay + 1) * DAY_MS)
      .groupBy(day)
      .execute();
    return rows.map((row) => ({ day: Number(row.day), requests: Number(row.requests), errors: Number(row.errors) }));
  }

  async prune({ byPlan, otherwise }: LogRetention, now: Millis): Promise<number> {
    const listed = [...byPlan.keys()];
    let deleted = 0;
    for (const [plan, days] of byPlan) if (days !== null) deleted += await this.pruneAccounts(days, now, (accounts) => accounts.where('plan', '=', plan));
    if (otherwise !== null) {
      deleted += await this.pruneAccounts(otherwise, now, (accounts) => (listed.length === 0 ? accounts : accounts.where('plan', 'not in', listed)));
    }
    await this.db
      .deleteFrom('key_usage')
      .where('minute', '<', Math.floor((now - USAGE_KEPT_MS) / MINUTE_MS))
      .execute();
    return deleted;
  }

  /** Deletes, a slice at a time, the entries older than `days` of the accounts `plans` picks. */
  private pruneAccounts(
    days: number,
    now: Millis,
    plans: (accounts: SelectQueryBuilder<Database, 'accounts', { id: string }>) => SelectQueryBuilder<Database, 'accounts', { id: string }>,
  ): Promise<number> {
    return deleteInSlices(async () => {
      const result = await this.db
        .deleteFrom('request_logs')
        .where('seq', 'in', (eb) =>
          eb
            .selectFrom('request_logs')
            .select('seq')
            .where('time', '<', now - days * DAY_MS)
            .where('account_id', 'in', plans(eb.selectFrom('accounts').select('id')))
            .limit(PRUNE_SLICE),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  async keyUsage(keyId: string, since: Millis, recentSince: Millis) {
    const key = await this.db.selectFrom('api_keys').select('usage_total').where('id', '=', keyId).executeTakeFirst();
    const minutes = await this.db
      .selectFrom('key_usage')
      .select(['minute', 'count'])
      .where('key_id', '=', keyId)
      .where('minute', '>=', Math.floor(since / MINUTE_MS))
      .orderBy('minute')
      .execute();
    return {
      total: Number(key?.usage_total ?? 0),
      minutes: minutes.map((row): [number, number] => [Number(row.minute), Number(row.count)]),
      recent: await this.acceptedSince('key_id', keyId, recentSince),
    };
  }

  accountRecent(accountId: string, since: Millis): Promise<Millis[]> {
    return this.acceptedSince('account_id', accountId, since);
  }

  /** Times of the accepted requests of one key or account after `since`, ascending. */
  private async acceptedSince(owner: 'key_id' | 'account_id', id: string, since: Millis): Promise<Millis[]> {
    const rows = await this.db
      .selectFrom('request_logs')
      .select('time')
      .where(owner, '=', id)
      .where('accepted', '=', 1)
      .where('time', '>', since)
      .orderBy('time')
      .execute();
    return rows.map((row) => Number(row.time));
  }
}
