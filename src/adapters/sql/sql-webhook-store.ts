import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { ApiKey, Millis, WebhookEndpoint, WebhookEvent } from '../../core/model.js';
import type { AttemptRecord, ClaimedDelivery, LoggedAttempt, Position, WebhookStore } from '../../core/ports.js';
import { newestFirstPage } from './keyset.js';
import type { Database } from './schema.js';

/**
 * Puts events into the outbox within `trx`, the transaction of the change that causes them:
 * a delivery per enabled endpoint of the account that wants the type (or for `endpointId`
 * alone), and the event itself only if it has somewhere to go. The first statement writes,
 * so on SQLite the transaction holds the write lock before it reads anything.
 */
export async function appendWebhookEvents(trx: Transaction<Database>, events: readonly WebhookEvent[], endpointId?: string): Promise<void> {
  for (const event of events) {
    const { numInsertedOrUpdatedRows } = await trx
      .insertInto('webhook_deliveries')
      .columns(['event_id', 'endpoint_id', 'state', 'attempts', 'next_attempt_at', 'created_at'])
      .expression((eb) => {
        let endpoints = eb
          .selectFrom('webhook_endpoints as e')
          .select([
            sql<string>`cast(${event.id} as text)`.as('event_id'),
            'e.id as endpoint_id',
            sql<string>`'pending'`.as('state'),
            sql<number>`0`.as('attempts'),
            sql<number>`cast(${event.createdAt} as bigint)`.as('next_attempt_at'),
            sql<number>`cast(${event.createdAt} as bigint)`.as('created_at'),
          ])
          .where('e.account_id', '=', event.accountId)
          .where('e.enabled', '=', 1);
        endpoints =
          endpointId === undefined
            ? endpoints.where((w) =>
                w.exists(
                  w.selectFrom('webhook_endpoint_events as t').select('t.type').whereRef('t.endpoint_id', '=', 'e.id').where('t.type', 'in', ['*', event.type]),
                ),
              )
            : endpoints.where('e.id', '=', endpointId);
        return endpoints;
      })
      .executeTakeFirstOrThrow();
    if (numInsertedOrUpdatedRows === 0n) continue;
    await trx
      .insertInto('webhook_events')
      .values({ id: event.id, account_id: event.accountId, type: event.type, created_at: event.createdAt, body: event.body })
      .execute();
  }
}

/** Commits `events` with the change `write` makes, in one transaction; without events, `write` runs on its own. */
export async function withWebhookEvents<T>(db: Kysely<Database>, events: readonly WebhookEvent[], write: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  if (events.length === 0) return write(db);
  return db.transaction().execute(async (trx) => {
    const result = await write(trx);
    await appendWebhookEvents(trx, events);
    return result;
  });
}

type EndpointRow = Selectable<Database['webhook_endpoints']>;

function endpointFromRow(row: EndpointRow, events: string[]): WebhookEndpoint {
  return {
    id: row.id,
    accountId: row.account_id,
    url: row.url,
    events,
    description: row.description,
    secret: row.secret,
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason === 'failing' ? 'failing' : null,
    failingSince: row.failing_since === null ? null : Number(row.failing_since),
    createdAt: Number(row.created_at),
  };
}

export interface SqlWebhookStoreOptions {
  /** PostgreSQL: claims skip rows another instance is claiming (FOR UPDATE SKIP LOCKED). SQLite's single writer serialises them anyway. */
  skipLocked: boolean;
  keyFromRow(row: Selectable<Database['api_keys']>): ApiKey;
}

export class SqlWebhookStore implements WebhookStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: SqlWebhookStoreOptions,
  ) {}

  async insertEndpointWithinLimit(endpoint: WebhookEndpoint, maxEndpoints: number): Promise<'ok' | 'PLAN_LIMIT'> {
    return this.db.transaction().execute(async (trx) => {
      // The account's row lock serialises count-then-insert (as for sites and keys).
      await trx.updateTable('accounts').set({ plan: sql`plan` }).where('id', '=', endpoint.accountId).execute();
      const { count } = await trx
        .selectFrom('webhook_endpoints')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('account_id', '=', endpoint.accountId)
        .executeTakeFirstOrThrow();
      if (Number(count) >= maxEndpoints) return 'PLAN_LIMIT';
      await trx
        .insertInto('webhook_endpoints')
        .values({
          id: endpoint.id,
          account_id: endpoint.accountId,
          url: endpoint.url,
          description: endpoint.description,
          secret: endpoint.secret,
          enabled: endpoint.enabled ? 1 : 0,
          disabled_reason: endpoint.disabledReason,
          failing_since: endpoint.failingSince,
          created_at: endpoint.createdAt,
        })
        .execute();
      await this.writeTypes(trx, endpoint);
      return 'ok';
    });
  }

  private async writeTypes(trx: Transaction<Database>, endpoint: WebhookEndpoint): Promise<void> {
    await trx.deleteFrom('webhook_endpoint_events').where('endpoint_id', '=', endpoint.id).execute();
    await trx
      .insertInto('webhook_endpoint_events')
      .values(endpoint.events.map((type) => ({ endpoint_id: endpoint.id, type })))
      .execute();
  }

  private async withTypes(rows: EndpointRow[]): Promise<WebhookEndpoint[]> {
    if (rows.length === 0) return [];
    const types = await this.db
      .selectFrom('webhook_endpoint_events')
      .selectAll()
      .where(
        'endpoint_id',
        'in',
        rows.map((row) => row.id),
      )
      .orderBy('type')
      .execute();
    return rows.map((row) =>
      endpointFromRow(
        row,
        types.filter((type) => type.endpoint_id === row.id).map((type) => type.type),
      ),
    );
  }

  async listEndpoints(accountId: string): Promise<WebhookEndpoint[]> {
    return this.withTypes(
      await this.db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('id').execute(),
    );
  }

  async findEndpoint(id: string): Promise<WebhookEndpoint | undefined> {
    const [endpoint] = await this.withTypes(await this.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).execute());
    return endpoint;
  }

  async updateEndpoint(endpoint: WebhookEndpoint): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('webhook_endpoints')
        .set({
          url: endpoint.url,
          description: endpoint.description,
          secret: endpoint.secret,
          enabled: endpoint.enabled ? 1 : 0,
          disabled_reason: endpoint.disabledReason,
          ...(endpoint.enabled && { failing_since: null }),
        })
        .where('id', '=', endpoint.id)
        .execute();
      await this.writeTypes(trx, endpoint);
    });
  }

  async deleteEndpoint(id: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
      await trx.deleteFrom('webhook_endpoint_events').where('endpoint_id', '=', id).execute();
      await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
      await trx.deleteFrom('webhook_attempts').where('endpoint_id', '=', id).execute();
    });
  }

  async emit(events: readonly WebhookEvent[], endpointId?: string): Promise<void> {
    await this.db.transaction().execute((trx) => appendWebhookEvents(trx, events, endpointId));
  }

  async emitOnce(noticeKey: string, event: WebhookEvent): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const { numInsertedOrUpdatedRows } = await trx
        .insertInto('webhook_notices')
        .values({ key: noticeKey, created_at: event.createdAt })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirstOrThrow();
      if (numInsertedOrUpdatedRows === 0n) return false;
      await appendWebhookEvents(trx, [event]);
      return true;
    });
  }

  async claim({ now, leaseUntil, owner, limit, perEndpoint, skipEndpoints }: Parameters<WebhookStore['claim']>[0]): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    const skip = skipEndpoints.length > 0 ? sql`and d.endpoint_id not in (${sql.join(skipEndpoints)})` : sql``;
    const lock = this.opts.skipLocked ? sql`for update skip locked` : sql``;
    // One statement: the oldest due deliveries, at most `perEndpoint` per endpoint, taken only
    // if still unclaimed as the UPDATE reaches them. On PostgreSQL, rows another instance is
    // claiming at this moment are skipped rather than waited for.
    const { rows } = await sql<{ seq: number }>`
      update webhook_deliveries set claimed_until = ${leaseUntil}, claimed_by = ${owner}
      where seq in (
        select seq from webhook_deliveries where seq in (
          select seq from (
            select d.seq, d.next_attempt_at, row_number() over (partition by d.endpoint_id order by d.next_attempt_at, d.seq) as place
            from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id
            where d.state = 'pending' and d.next_attempt_at <= ${now} and (d.claimed_until is null or d.claimed_until <= ${now}) and e.enabled = 1 ${skip}
          ) due where place <= ${perEndpoint} order by next_attempt_at, seq limit ${limit}
        ) ${lock}
      ) and state = 'pending' and (claimed_until is null or claimed_until <= ${now})
      returning seq`.execute(this.db);
    if (rows.length === 0) return [];
    const claimed = await this.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_events as v', 'v.id', 'd.event_id')
      .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
      .select(['d.seq', 'd.attempts', 'v.id as event_id', 'v.type', 'v.body', 'e.id as endpoint_id', 'e.url', 'e.secret'])
      .where(
        'd.seq',
        'in',
        rows.map((row) => Number(row.seq)),
      )
      .execute();
    return claimed.map((row) => ({
      id: Number(row.seq),
      attempt: Number(row.attempts) + 1,
      event: { id: row.event_id, type: row.type as WebhookEvent['type'], body: row.body },
      endpoint: { id: row.endpoint_id, url: row.url, secret: row.secret },
    }));
  }

  async release(deliveryId: number, owner: string): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ claimed_until: null, claimed_by: null })
      .where('seq', '=', deliveryId)
      .where('claimed_by', '=', owner)
      .execute();
  }

  async recordAttempt(record: AttemptRecord, owner: string): Promise<void> {
    const { delivery, time } = record;
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('webhook_deliveries')
        .set({
          state: record.delivered ? 'delivered' : record.retryAt === null ? 'failed' : 'pending',
          attempts: delivery.attempt,
          next_attempt_at: record.retryAt ?? time,
          claimed_until: null,
          claimed_by: null,
        })
        .where('seq', '=', delivery.id)
        .where('claimed_by', '=', owner)
        .execute();
      await trx
        .insertInto('webhook_attempts')
        .values({
          delivery_seq: delivery.id,
          endpoint_id: delivery.endpoint.id,
          event_id: delivery.event.id,
          event_type: delivery.event.type,
          attempt: delivery.attempt,
          time,
          status: record.status,
          duration_ms: Math.round(record.durationMs),
          error: record.error,
        })
        .execute();
      const endpoint = trx.updateTable('webhook_endpoints').where('id', '=', delivery.endpoint.id);
      if (record.delivered) {
        await endpoint.set({ failing_since: null }).execute();
        return;
      }
      await endpoint.set({ failing_since: sql`coalesce(failing_since, ${time})` }).execute();
      await endpoint
        .set({ enabled: 0, disabled_reason: 'failing' })
        .where('enabled', '=', 1)
        .where('failing_since', '<=', record.disableIfFailingSince)
        .execute();
    });
  }

  async attempts(endpointId: string, after: Position | undefined, limit: number): Promise<LoggedAttempt[]> {
    const query = this.db
      .selectFrom('webhook_attempts')
      .leftJoin('webhook_deliveries', 'webhook_deliveries.seq', 'webhook_attempts.delivery_seq')
      .selectAll('webhook_attempts')
      .select('webhook_deliveries.state')
      .where('webhook_attempts.endpoint_id', '=', endpointId);
    const rows = await newestFirstPage(query, 'webhook_attempts', after, limit).execute();
    return rows.map((row) => ({
      seq: Number(row.seq),
      time: Number(row.time),
      deliveryId: Number(row.delivery_seq),
      eventId: row.event_id,
      type: row.event_type,
      attempt: row.attempt,
      status: row.status,
      durationMs: Number(row.duration_ms),
      error: row.error,
      state: (row.state ?? 'failed') as LoggedAttempt['state'],
    }));
  }

  async redeliver(endpointId: string, deliveryId: number, now: Millis): Promise<number | undefined> {
    const original = await this.db
      .selectFrom('webhook_deliveries')
      .select('event_id')
      .where('seq', '=', deliveryId)
      .where('endpoint_id', '=', endpointId)
      .executeTakeFirst();
    if (!original) return undefined;
    const { seq } = await this.db
      .insertInto('webhook_deliveries')
      .values({ event_id: original.event_id, endpoint_id: endpointId, state: 'pending', attempts: 0, next_attempt_at: now, created_at: now })
      .returning('seq')
      .executeTakeFirstOrThrow();
    return Number(seq);
  }

  async prune(before: Millis): Promise<number> {
    const { numDeletedRows } = await this.db.deleteFrom('webhook_attempts').where('time', '<', before).executeTakeFirst();
    await this.db.deleteFrom('webhook_deliveries').where('state', 'in', ['delivered', 'failed']).where('next_attempt_at', '<', before).execute();
    await this.db
      .deleteFrom('webhook_events')
      .where('created_at', '<', before)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('webhook_deliveries as d').select('d.seq').whereRef('d.event_id', '=', 'webhook_events.id'))))
      .execute();
    await this.db.deleteFrom('webhook_notices').where('created_at', '<', before).where('key', 'not like', 'quota.threshold:%:total:%').execute();
    return Number(numDeletedRows);
  }

  async watchedKeys(now: Millis, expiringFrom: Millis, expiringTo: Millis): Promise<ApiKey[]> {
    const rows = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', now)]))
      .where((eb) => eb.or([eb.and([eb('expires_at', '>=', expiringFrom), eb('expires_at', '<=', expiringTo)]), eb('quotas', '<>', '{}')]))
      .where('account_id', 'in', (eb) => eb.selectFrom('webhook_endpoints').select('account_id').where('enabled', '=', 1))
      .orderBy('id')
      .execute();
    return rows.map(this.opts.keyFromRow);
  }
}
