import { type Kysely, type Selectable, sql } from 'kysely';
import type { DayCount, DayRange, Millis } from '../../core/model.js';
import type { EventDimension, EventStore, TrackedEvent } from '../../core/ports.js';
import { dayOf } from '../../lib/utc-days.js';
import { BulkInsert, type ColumnType } from './bulk-insert.js';
import { deleteInSlices, PRUNE_SLICE } from './delete-in-slices.js';
import { inLockOrder } from './lock-order.js';
import type { Dialect } from './migrations.js';
import { arg, PreparedQuery } from './prepared.js';
import type { Database } from './schema.js';

type EventRow = Omit<Selectable<Database['events']>, 'seq'>;

function toRow(event: TrackedEvent): EventRow {
  return { site_id: event.siteId, time: event.time, url: event.url, referrer: event.referrer, user_agent: event.userAgent, bot: event.bot };
}

/** What a batch adds to the rollups: one entry per site and day, and per site, dimension, day and value. */
function rollUp(events: readonly TrackedEvent[]) {
  const days = new Map<string, { siteId: string; day: number; humans: number; bots: number }>();
  const values = new Map<string, { siteId: string; dimension: EventDimension; day: number; value: string; events: number }>();
  const addValue = (event: TrackedEvent, day: number, dimension: EventDimension, value: string | null) => {
    if (value === null) return;
    const id = `${event.siteId}\n${dimension}\n${day}\n${value}`;
    const entry = values.get(id) ?? { siteId: event.siteId, dimension, day, value, events: 0 };
    values.set(id, entry);
    entry.events++;
  };
  for (const event of events) {
    const day = dayOf(event.time);
    const id = `${event.siteId}\n${day}`;
    const entry = days.get(id) ?? { siteId: event.siteId, day, humans: 0, bots: 0 };
    days.set(id, entry);
    if (event.bot === null) entry.humans++;
    else entry.bots++;
    addValue(event, day, 'bot', event.bot);
    addValue(event, day, 'path', event.path);
    addValue(event, day, 'referrer', event.referrerHost);
  }
  return { days: inLockOrder(days).map(([, entry]) => entry), values: inLockOrder(values).map(([, entry]) => entry) };
}

const EVENT_COLUMNS: ReadonlyArray<readonly [keyof EventRow, ColumnType]> = [
  ['site_id', 'text'],
  ['time', 'bigint'],
  ['url', 'text'],
  ['referrer', 'text'],
  ['user_agent', 'text'],
  ['bot', 'text'],
];

/** The statements a batch runs once and per rollup entry, compiled once; and the hot reads. */
function statements(db: Kysely<Database>, dialect: Dialect) {
  return {
    insertEvents: new BulkInsert<EventRow>(dialect, 'events', EVENT_COLUMNS),
    addDay: new PreparedQuery(
      db
        .insertInto('event_days')
        .values({ site_id: arg(0), day: arg(1), humans: arg(2), bots: arg(3) })
        .onConflict((oc) =>
          oc.columns(['site_id', 'day']).doUpdateSet({ humans: sql`event_days.humans + excluded.humans`, bots: sql`event_days.bots + excluded.bots` }),
        ),
    ),
    addValue: new PreparedQuery(
      db
        .insertInto('event_day_values')
        .values({ site_id: arg(0), dimension: arg(1), day: arg(2), value: arg(3), events: arg(4) })
        .onConflict((oc) => oc.columns(['site_id', 'dimension', 'day', 'value']).doUpdateSet({ events: sql`event_day_values.events + excluded.events` })),
    ),
    /** Every GET /api/v1/sites runs this, for events_this_month. */
    countsByAccount: new PreparedQuery(
      db
        .selectFrom('sites')
        .innerJoin('event_days', 'event_days.site_id', 'sites.id')
        .select(['sites.id as site_id', sql<number>`sum(event_days.humans + event_days.bots)`.as('events')])
        .where('sites.account_id', '=', arg(0))
        .where('event_days.day', '>=', arg(1))
        .where('event_days.day', '<=', arg(2))
        .groupBy('sites.id'),
    ),
  };
}

export class SqlEventStore implements EventStore {
  private readonly statements: ReturnType<typeof statements>;

  constructor(
    private readonly db: Kysely<Database>,
    dialect: Dialect,
  ) {
    this.statements = statements(db, dialect);
  }

  async append(events: readonly TrackedEvent[]): Promise<void> {
    const { insertEvents, addDay, addValue } = this.statements;
    const rollup = rollUp(events);
    await this.db.transaction().execute(async (trx) => {
      await insertEvents.run(trx, events.map(toRow));
      for (const day of rollup.days) await addDay.run(trx, day.siteId, day.day, day.humans, day.bots);
      for (const value of rollup.values) await addValue.run(trx, value.siteId, value.dimension, value.day, value.value, value.events);
    });
  }

  async countsByAccount(accountId: string, days: DayRange): Promise<Map<string, number>> {
    const rows = await this.statements.countsByAccount.rows(this.db, accountId, days.from, days.to);
    return new Map(rows.map((row) => [row.site_id, Number(row.events)]));
  }

  async dailyCounts(siteId: string, days: DayRange): Promise<DayCount[]> {
    const rows = await this.db
      .selectFrom('event_days')
      .select(['day', 'humans', 'bots'])
      .where('site_id', '=', siteId)
      .where('day', '>=', days.from)
      .where('day', '<=', days.to)
      .orderBy('day')
      .execute();
    return rows.map((row) => ({ day: Number(row.day), humans: Number(row.humans), bots: Number(row.bots) }));
  }

  async top(siteId: string, dimension: EventDimension, days: DayRange, limit: number): Promise<Array<{ value: string; events: number }>> {
    const rows = await this.db
      .selectFrom('event_day_values')
      .select(['value', sql<number>`sum(events)`.as('events')])
      .where('site_id', '=', siteId)
      .where('dimension', '=', dimension)
      .where('day', '>=', days.from)
      .where('day', '<=', days.to)
      .groupBy('value')
      .orderBy('events', 'desc')
      .orderBy('value')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ value: row.value, events: Number(row.events) }));
  }

  prune(before: Millis): Promise<number> {
    return deleteInSlices(async () => {
      const result = await this.db
        .deleteFrom('events')
        .where('seq', 'in', (eb) => eb.selectFrom('events').select('seq').where('time', '<', before).limit(PRUNE_SLICE))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }
}
