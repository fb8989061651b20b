import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/adapters/postgres/postgres-store.js';
import { StorageUnreachableError } from '../../src/adapters/sql/storage-faults.js';
import { openSqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import type { AccessToken, ApiKey, AuditEntry, WebhookEndpoint, WebhookEvent } from '../../src/core/model.js';
import type { RequestLogEntry, Store, TrackedEvent } from '../../src/core/ports.js';
import { DAY_MS, dayOf } from '../../src/lib/utc-days.js';
import { needsServices } from '../needs-services.js';
import { freshPostgres, type TestService } from '../services.js';

/** A storage backend the suite runs against: `fresh` makes an empty database that `open` may open more than once. */
interface Backend {
  name: string;
  /** What the backend needs running besides this process. */
  needs: TestService[];
  fresh(): Promise<{ open(): Promise<Store>; drop(): Promise<void> }>;
  /**
   * Whether two instances in this process can write at once. Not on SQLite: better-sqlite3
   * waits for another connection's write lock synchronously, blocking the event loop that
   * would release it; its races are run within one instance here, across processes in test/cli.
   */
  racesAcrossInstances: boolean;
}

const BACKENDS: Backend[] = [
  {
    name: 'SQLite',
    needs: [],
    async fresh() {
      const dir = mkdtempSync(join(tmpdir(), 'keygate-store-'));
      return { open: () => openSqliteStore(join(dir, 'keygate.db')), drop: async () => rmSync(dir, { recursive: true, force: true }) };
    },
    racesAcrossInstances: false,
  },
  {
    name: 'PostgreSQL',
    needs: ['postgres'],
    async fresh() {
      const database = await freshPostgres();
      return { open: () => openPostgresStore(database.url), drop: () => database.drop() };
    },
    racesAcrossInstances: true,
  },
];

const NOW = Date.UTC(2026, 0, 15, 12);
const TODAY = { from: dayOf(NOW), to: dayOf(NOW) };
const MINUTE = 60_000;

function key(id: string, name: string, changes: Partial<ApiKey> = {}): ApiKey {
  return {
    id,
    accountId: 'acct_a',
    name,
    category: 'production',
    mode: 'live',
    prefix: 'sk_live_',
    last4: 'abcd',
    hash: `hash_${id}`,
    active: true,
    expiresAt: null,
    quotas: {},
    restrictions: {},
    createdAt: NOW,
    createdBy: null,
    lastUsedAt: null,
    revokedAt: null,
    leak: null,
    ...changes,
  };
}

function logEntry(id: string, time: number, changes: Partial<RequestLogEntry> = {}): RequestLogEntry {
  return {
    id,
    accountId: 'acct_a',
    keyId: 'key_1',
    mode: 'live',
    time,
    method: 'GET',
    route: '/api/v1/sites',
    path: '/api/v1/sites',
    status: 200,
    errorCode: null,
    durationMs: 1.234567891,
    ip: '203.0.113.7',
    referrer: null,
    userAgent: 'curl/8',
    credits: 1,
    accepted: true,
    auth: 'key',
    requests: 1,
    ...changes,
  };
}

function event(time: number, changes: Partial<TrackedEvent> = {}): TrackedEvent {
  return { siteId: 'site_a', time, url: 'https://a.example.com/', path: '/', referrer: null, referrerHost: null, userAgent: 'curl/8', bot: 'curl', ...changes };
}

function auditEntry(id: string, time: number, userId: string | null = 'user_a'): AuditEntry {
  return {
    id,
    accountId: 'acct_a',
    userId,
    time,
    action: 'key.created',
    targetType: 'api_key',
    targetId: 'key_1',
    targetName: 'one',
    details: { mode: 'live' },
  };
}

function endpoint(id: string, changes: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    id,
    accountId: 'acct_a',
    url: `https://hooks.example.com/${id}`,
    events: ['*'],
    description: '',
    secret: `whsec_${id}`,
    enabled: true,
    disabledReason: null,
    failingSince: null,
    createdAt: NOW,
    ...changes,
  };
}

function webhookEvent(id: string, type: WebhookEvent['type'] = 'key.created', createdAt = NOW): WebhookEvent {
  return { id, accountId: 'acct_a', type, createdAt, body: JSON.stringify({ id, type }) };
}

/** Every delivery due by `at`, claimed (and so taken) by `owner`: what the outbox holds. */
async function claimAll(store: Store, at = NOW + DAY_MS, owner = 'test') {
  const claimed = await store.webhooks.claim({ now: at, leaseUntil: at + MINUTE, owner, limit: 1000, perEndpoint: 1000, skipEndpoints: [] });
  return claimed.map((delivery) => `${delivery.event.id}>${delivery.endpoint.id}`).sort();
}

/** How many times each outcome came back. */
function tally<T extends string>(outcomes: T[]): Partial<Record<T, number>> {
  const counts: Partial<Record<T, number>> = {};
  for (const outcome of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

describe.each(BACKENDS)('$name store', (backend) => {
  needsServices(...backend.needs);

  let database: Awaited<ReturnType<Backend['fresh']>>;
  let opened: Store[];
  let store: Store;

  /** Another instance on the same database, closed after the test. */
  async function open(): Promise<Store> {
    const instance = await database.open();
    opened.push(instance);
    return instance;
  }

  /** The instance a race's odd-numbered contenders use: another one where the backend allows. */
  async function rival(): Promise<Store> {
    return backend.racesAcrossInstances ? open() : store;
  }

  beforeEach(async () => {
    database = await backend.fresh();
    opened = [];
    store = await open();
    await store.accounts.create(
      { id: 'acct_a', plan: 'free', createdAt: 0 },
      { id: 'user_a', accountId: 'acct_a', email: 'a@example.com', passwordHash: 'x', createdAt: 0 },
    );
    await store.sites.insertWithinLimit({ id: 'site_a', accountId: 'acct_a', domain: 'a.example.com', siteKey: 'ak_a', createdAt: 0 }, null);
  });
  afterEach(async () => {
    for (const instance of opened) await instance.close();
    await database.drop();
  });

  describe('opening', () => {
    it('opens a migrated database again and finds its rows', async () => {
      const again = await open();
      expect(await again.accounts.find('acct_a')).toEqual({ id: 'acct_a', plan: 'free', createdAt: 0 });
      await again.ping();
    });

    it('tells disk-full, read-only, shutdown and unreachable-database errors as faults, nothing else, and pings with a write', async () => {
      const failure = (code: string) => Object.assign(new Error(code), { code });
      expect(store.isFault(new Error('unexpected'))).toBe(false);
      expect(store.isFault(failure('SQLITE_CONSTRAINT_UNIQUE'))).toBe(false);
      expect(store.isFault(failure('23505'))).toBe(false);
      expect(store.isFault(failure('SQLITE_FULL'))).toBe(true);
      expect(store.isFault(failure('SQLITE_READONLY_DBMOVED'))).toBe(true);
      expect(store.isFault(failure('53100'))).toBe(true);
      expect(store.isFault(failure('57P03'))).toBe(true);
      expect(store.isFault(failure('08006'))).toBe(true);
      expect(store.isFault(new StorageUnreachableError(failure('ECONNREFUSED')))).toBe(true);
      // A bare socket errno may be Redis's, whose outage fails closed with 500.
      expect(store.isFault(failure('ECONNREFUSED'))).toBe(false);
      await store.ping();
      await store.ping();
    });

    it("moves another instance's key-change version when a key is written and announced", async () => {
      const other = await open();
      const before = await other.keyChanges.version();
      expect(await other.keyChanges.version()).toBe(before);
      await store.keys.insertGuarded(key('key_1', 'one'), null, NOW);
      await store.keyChanges.announce();
      expect(await other.keyChanges.version()).not.toBe(before);
    });
  });

  describe('accounts', () => {
    it('creates an account with its user and refuses a taken email, keeping nothing of the refused one', async () => {
      expect(await store.accounts.findUserByEmail('a@example.com')).toEqual({
        id: 'user_a',
        accountId: 'acct_a',
        email: 'a@example.com',
        passwordHash: 'x',
        createdAt: 0,
      });
      const outcome = await store.accounts.create(
        { id: 'acct_b', plan: 'pro', createdAt: 1 },
        { id: 'user_b', accountId: 'acct_b', email: 'a@example.com', passwordHash: 'y', createdAt: 1 },
      );
      expect(outcome).toBe('EMAIL_TAKEN');
      expect(await store.accounts.find('acct_b')).toBeUndefined();
      await store.accounts.setPlan('acct_a', 'pro');
      expect((await store.accounts.find('acct_a'))?.plan).toBe('pro');
    });

    it('creates exactly one of ten concurrent accounts with the same email', async () => {
      const other = await rival();
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? other : store).accounts.create(
            { id: `acct_${i}`, plan: 'free', createdAt: 0 },
            { id: `user_${i}`, accountId: `acct_${i}`, email: 'same@example.com', passwordHash: 'x', createdAt: 0 },
          ),
        ),
      );
      expect(tally(outcomes)).toEqual({ ok: 1, EMAIL_TAKEN: 9 });
    });
  });

  describe('sites', () => {
    it('inserts exactly up to the limit when ten inserts race for three places', async () => {
      await store.sites.delete('site_a');
      const other = await rival();
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? other : store).sites.insertWithinLimit(
            { id: `site_${i}`, accountId: 'acct_a', domain: `${i}.example.com`, siteKey: `ak_${i}`, createdAt: i },
            3,
          ),
        ),
      );
      expect(tally(outcomes)).toEqual({ ok: 3, PLAN_LIMIT: 7 });
      expect(await store.sites.listByAccount('acct_a')).toHaveLength(3);
    });

    it('refuses a second site of the same domain in one account, before the limit, and allows it in another', async () => {
      const outcome = await store.sites.insertWithinLimit({ id: 'site_dup', accountId: 'acct_a', domain: 'a.example.com', siteKey: 'ak_dup', createdAt: 1 }, 1);
      expect(outcome).toBe('DOMAIN_TAKEN');
      expect(await store.sites.find('site_dup')).toBeUndefined();
      await store.accounts.create(
        { id: 'acct_b', plan: 'free', createdAt: 0 },
        { id: 'user_b', accountId: 'acct_b', email: 'b@example.com', passwordHash: 'x', createdAt: 0 },
      );
      expect(await store.sites.insertWithinLimit({ id: 'site_b', accountId: 'acct_b', domain: 'a.example.com', siteKey: 'ak_b', createdAt: 1 }, 1)).toBe('ok');
    });

    it('finds a site by id and by key, lists them oldest first and deletes one', async () => {
      await store.sites.insertWithinLimit({ id: 'site_b', accountId: 'acct_a', domain: 'b.example.com', siteKey: 'ak_b', createdAt: 5 }, null);
      const siteB = { id: 'site_b', accountId: 'acct_a', domain: 'b.example.com', siteKey: 'ak_b', createdAt: 5 };
      expect(await store.sites.find('site_b')).toEqual(siteB);
      expect(await store.sites.findByKey('ak_b')).toEqual(siteB);
      expect((await store.sites.listByAccount('acct_a')).map((site) => site.id)).toEqual(['site_a', 'site_b']);
      await store.sites.delete('site_b');
      expect(await store.sites.find('site_b')).toBeUndefined();
      expect(await store.sites.findByKey('ak_b')).toBeUndefined();
    });
  });

  describe('keys', () => {
    it('inserts exactly up to the key limit when ten inserts race, not counting revoked keys', async () => {
      await store.keys.insertGuarded(key('key_old', 'old', { revokedAt: NOW - 1 }), null, NOW);
      const other = await rival();
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).keys.insertGuarded(key(`key_${i}`, `name ${i}`), 3, NOW)),
      );
      expect(tally(outcomes)).toEqual({ ok: 3, PLAN_LIMIT: 7 });
      expect(await store.keys.list('acct_a', NOW)).toHaveLength(3);
    });

    it('gives a name to exactly one of ten concurrent inserts, and again once its holder is revoked', async () => {
      const other = await rival();
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).keys.insertGuarded(key(`key_${i}`, 'same'), null, NOW)));
      expect(tally(outcomes)).toEqual({ ok: 1, NAME_TAKEN: 9 });
      const [holder] = await store.keys.list('acct_a', NOW);
      await store.keys.update(holder!.id, { revokedAt: NOW });
      expect(await store.keys.insertGuarded(key('key_new', 'same'), null, NOW)).toBe('ok');
    });

    it('finds, lists, updates and deletes keys with their settings intact', async () => {
      const first = key('key_1', 'one', { quotas: { daily: 10 }, restrictions: { ips: ['10.0.0.0/8'] }, expiresAt: NOW + DAY_MS });
      await store.keys.insertGuarded(first, null, NOW);
      await store.keys.insertGuarded(key('key_2', 'two', { createdAt: NOW + 1, revokedAt: NOW + 10 }), null, NOW);
      expect(await store.keys.find('key_1')).toEqual(first);
      expect(await store.keys.findByHash('hash_key_1')).toEqual(first);
      expect(await store.keys.findByHash('hash_none')).toBeUndefined();
      expect((await store.keys.list('acct_a', NOW)).map((k) => k.id)).toEqual(['key_1', 'key_2']);
      expect((await store.keys.list('acct_a', NOW + 10)).map((k) => k.id)).toEqual(['key_1']);
      expect((await store.keys.list('acct_a', null)).map((k) => k.id)).toEqual(['key_1', 'key_2']);

      await store.keys.update('key_1', { active: false });
      expect(await store.keys.find('key_1')).toEqual({ ...first, active: false });
      expect(await store.keys.deleteUnused('key_2')).toBe(true);
      expect(await store.keys.find('key_2')).toBeUndefined();

      // Used since it was read: another instance may have stamped it in between.
      await store.keys.update('key_1', { lastUsedAt: NOW + 5 });
      expect(await store.keys.find('key_1')).toEqual({ ...first, active: false, lastUsedAt: NOW + 5 });
      expect(await store.keys.deleteUnused('key_1')).toBe(false);
      expect(await store.keys.find('key_1')).toEqual({ ...first, active: false, lastUsedAt: NOW + 5 });
    });

    it("edits a key's settings unless another live key holds the new name", async () => {
      await store.keys.insertGuarded(key('key_1', 'one'), null, NOW);
      await store.keys.insertGuarded(key('key_2', 'two'), null, NOW);
      expect(await store.keys.edit(key('key_2', 'one'), NOW)).toBe('NAME_TAKEN');
      const edited = key('key_2', 'deux', { category: 'staging', quotas: { monthly: 5 }, restrictions: { endpoints: ['GET /api/v1/sites'] } });
      expect(await store.keys.edit(edited, NOW)).toBe('ok');
      expect(await store.keys.find('key_2')).toEqual(edited);
    });

    it('rotates: revokes the old key at the grace end and inserts the replacement, or neither', async () => {
      await store.keys.insertGuarded(key('key_1', 'one'), null, NOW);
      await store.keys.insertGuarded(key('key_2', 'two'), null, NOW);
      expect(await store.keys.rotate('key_1', key('key_3', 'two'), NOW + 1000, NOW, null)).toBe('NAME_TAKEN');
      expect((await store.keys.find('key_1'))?.revokedAt).toBeNull();
      expect(await store.keys.find('key_3')).toBeUndefined();

      expect(await store.keys.rotate('key_1', key('key_3', 'one (rotated)'), NOW + 1000, NOW, null)).toBe('ok');
      expect((await store.keys.find('key_1'))?.revokedAt).toBe(NOW + 1000);
      expect((await store.keys.list('acct_a', NOW + 1000)).map((k) => k.id)).toEqual(['key_2', 'key_3']);
    });

    it('rotates a key once: one revoked or in its grace period is refused and keeps its end', async () => {
      await store.keys.insertGuarded(key('key_1', 'one'), null, NOW);
      await store.keys.update('key_1', { revokedAt: NOW });
      expect(await store.keys.rotate('key_1', key('key_2', 'two'), NOW + 60_000, NOW + 1, null)).toBe('NOT_ROTATABLE');
      expect((await store.keys.find('key_1'))?.revokedAt).toBe(NOW);
      expect(await store.keys.find('key_2')).toBeUndefined();

      await store.keys.insertGuarded(key('key_3', 'three'), null, NOW);
      expect(await store.keys.rotate('key_3', key('key_4', 'four'), NOW + 60_000, NOW, null)).toBe('ok');
      expect(await store.keys.rotate('key_3', key('key_5', 'five'), NOW + 120_000, NOW + 1, null)).toBe('NOT_ROTATABLE');
      expect((await store.keys.find('key_3'))?.revokedAt).toBe(NOW + 60_000);
      expect(await store.keys.find('key_5')).toBeUndefined();
    });

    it('moves a revocation only earlier', async () => {
      await store.keys.insertGuarded(key('key_1', 'one'), null, NOW);
      await store.keys.rotate('key_1', key('key_2', 'two'), NOW + 60_000, NOW, null);
      await store.keys.update('key_1', { revokedAt: NOW + 120_000 });
      expect((await store.keys.find('key_1'))?.revokedAt).toBe(NOW + 60_000);
      await store.keys.update('key_1', { revokedAt: NOW + 5 });
      expect((await store.keys.find('key_1'))?.revokedAt).toBe(NOW + 5);
    });

    it('counts keys in grace toward the limit of a rotation with grace; the rotated key itself is spared once', async () => {
      await store.keys.insertGuarded(key('key_1', 'one'), 2, NOW);
      await store.keys.insertGuarded(key('key_2', 'two'), 2, NOW);
      // At the limit: the rotated key is the one key over it during its grace.
      expect(await store.keys.rotate('key_1', key('key_3', 'three'), NOW + 60_000, NOW, 2)).toBe('ok');
      // key_1 in grace counts: another rotation with grace would make a second key over the limit.
      expect(await store.keys.rotate('key_3', key('key_4', 'four'), NOW + 60_000, NOW, 2)).toBe('PLAN_LIMIT');
      expect((await store.keys.find('key_3'))?.revokedAt).toBeNull();
      expect(await store.keys.find('key_4')).toBeUndefined();
      // Without grace a rotation adds no live key: always allowed.
      expect(await store.keys.rotate('key_3', key('key_4', 'four'), NOW, NOW, 2)).toBe('ok');
      expect((await store.keys.list('acct_a', NOW)).map((k) => k.id)).toEqual(['key_1', 'key_2', 'key_4']);
    });

    it('revokes a key as leaked once, cutting a rotation grace short, and clears its flag once', async () => {
      await store.keys.insertGuarded(key('key_1', 'one', { revokedAt: NOW + 60_000 }), null, NOW);
      const leak = { at: NOW + 5, source: 'github' as const, url: 'https://github.com/o/r/blob/main/.env' };
      expect(await store.keys.revokeLeaked('key_1', leak)).toBe(true);
      expect(await store.keys.find('key_1')).toMatchObject({ revokedAt: NOW + 5, leak: { ...leak, dismissedAt: null } });
      expect(await store.keys.revokeLeaked('key_1', { ...leak, at: NOW + 9, source: 'report', url: null })).toBe(false);
      expect(await store.keys.find('key_1')).toMatchObject({ revokedAt: NOW + 5, leak: { ...leak, dismissedAt: null } });
      expect(await store.keys.dismissLeak('key_1', NOW + 20)).toBe(true);
      expect((await store.keys.find('key_1'))?.leak).toEqual({ ...leak, dismissedAt: NOW + 20 });
      expect(await store.keys.dismissLeak('key_1', NOW + 30)).toBe(false);
      expect((await store.keys.find('key_1'))?.leak?.dismissedAt).toBe(NOW + 20);
    });

    it('leaves a key revoked before the leak report unflagged, and has no flag to dismiss on other keys', async () => {
      await store.keys.insertGuarded(key('key_1', 'one', { revokedAt: NOW }), null, NOW);
      await store.keys.insertGuarded(key('key_2', 'two'), null, NOW);
      expect(await store.keys.revokeLeaked('key_1', { at: NOW + 1, source: 'gitlab', url: null })).toBe(false);
      expect(await store.keys.find('key_1')).toMatchObject({ revokedAt: NOW, leak: null });
      expect(await store.keys.dismissLeak('key_2', NOW)).toBe(false);
      expect((await store.keys.find('key_2'))?.leak).toBeNull();
    });

    it('revokes a key reported leaked on two instances at once exactly once', async () => {
      await store.keys.insertGuarded(key('key_1', 'one'), null, NOW);
      const other = await rival();
      const reports = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? other : store).keys.revokeLeaked('key_1', { at: NOW + 1, source: 'report', url: null })),
      );
      expect(reports.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('sessions', () => {
    it('creates, finds with the email, touches and deletes sessions, expired ones in bulk', async () => {
      const session = { idHash: 'h1', userId: 'user_a', accountId: 'acct_a', createdAt: NOW, expiresAt: NOW + DAY_MS, lastSeenAt: NOW };
      await store.sessions.create(session);
      await store.sessions.create({ ...session, idHash: 'h2', expiresAt: NOW });
      expect(await store.sessions.find('h1')).toEqual({ session, email: 'a@example.com' });
      await store.sessions.touch('h1', NOW + 5);
      expect((await store.sessions.find('h1'))?.session.lastSeenAt).toBe(NOW + 5);
      await store.sessions.deleteExpired(NOW);
      expect(await store.sessions.find('h2')).toBeUndefined();
      await store.sessions.delete('h1');
      expect(await store.sessions.find('h1')).toBeUndefined();
    });
  });

  describe('sessions of a user', () => {
    it("lists a user's live sessions newest first and ends all but one; sets a password hash", async () => {
      const base = { userId: 'user_a', accountId: 'acct_a', lastSeenAt: NOW, expiresAt: NOW + DAY_MS };
      await store.sessions.create({ ...base, idHash: 'old', createdAt: NOW - 2 });
      await store.sessions.create({ ...base, idHash: 'new', createdAt: NOW });
      await store.sessions.create({ ...base, idHash: 'gone', createdAt: NOW - 1, expiresAt: NOW });
      await store.accounts.create(
        { id: 'acct_b', plan: 'free', createdAt: 0 },
        { id: 'user_b', accountId: 'acct_b', email: 'b@example.com', passwordHash: 'x', createdAt: 0 },
      );
      await store.sessions.create({ ...base, userId: 'user_b', accountId: 'acct_b', idHash: 'theirs', createdAt: NOW });
      expect((await store.sessions.listByUser('user_a', NOW)).map((session) => session.idHash)).toEqual(['new', 'old']);
      expect(await store.sessions.deleteByUser('user_a', 'new')).toBe(2);
      expect((await store.sessions.listByUser('user_a', NOW - 1)).map((session) => session.idHash)).toEqual(['new']);
      expect(await store.sessions.find('theirs')).toEqual({
        session: { ...base, userId: 'user_b', accountId: 'acct_b', idHash: 'theirs', createdAt: NOW },
        email: 'b@example.com',
      });
      await store.accounts.setPasswordHash('user_a', 'y');
      expect((await store.accounts.findUserByEmail('a@example.com'))?.passwordHash).toBe('y');
      expect((await store.accounts.findUserByEmail('b@example.com'))?.passwordHash).toBe('x');
    });
  });

  describe('audit log', () => {
    it('pages newest first by time, then by append order within a millisecond', async () => {
      await store.audit.append(auditEntry('aud_1', NOW));
      await store.audit.append(auditEntry('aud_2', NOW + 1, null));
      await store.audit.append(auditEntry('aud_3', NOW));
      const first = await store.audit.list('acct_a', undefined, 2);
      expect(first.map((entry) => entry.id)).toEqual(['aud_2', 'aud_3']);
      expect(first[0]).toMatchObject({ userEmail: null, details: { mode: 'live' }, time: NOW + 1 });
      const last = first.at(-1)!;
      const rest = await store.audit.list('acct_a', { time: last.time, seq: last.seq }, 2);
      expect(rest.map((entry) => [entry.id, entry.userEmail])).toEqual([['aud_1', 'a@example.com']]);
    });
  });

  describe('request logs', () => {
    beforeEach(async () => {
      await store.keys.insertGuarded(key('key_1', 'one'), null, NOW);
      await store.keys.insertGuarded(key('key_2', 'two'), null, NOW);
    });

    it('counts, lists with the key name and pages newest first', async () => {
      await store.requestLogs.append([
        logEntry('req_1', NOW),
        logEntry('req_2', NOW, { status: 404, errorCode: 'NOT_FOUND', accepted: false }),
        logEntry('req_3', NOW + 1, { keyId: 'key_2', status: 429 }),
      ]);
      expect(await store.requestLogs.count({ accountId: 'acct_a' })).toBe(3);
      expect(await store.requestLogs.count({ keyId: 'key_1' })).toBe(2);
      expect((await store.requestLogs.list({ accountId: 'acct_a', id: 'req_2' }, undefined, 10)).map((row) => row.id)).toEqual(['req_2']);
      expect(await store.requestLogs.count({ accountId: 'acct_b', id: 'req_2' })).toBe(0);
      expect(await store.requestLogs.count({ status: { min: 400, max: 499 } })).toBe(2);
      expect(await store.requestLogs.count({ from: NOW + 1, to: NOW + 1 })).toBe(1);

      const first = await store.requestLogs.list({ accountId: 'acct_a' }, undefined, 2);
      expect(first.map((row) => [row.id, row.keyName])).toEqual([
        ['req_3', 'two'],
        ['req_2', 'one'],
      ]);
      expect(first[1]).toMatchObject({ ...logEntry('req_2', NOW, { status: 404, errorCode: 'NOT_FOUND', accepted: false }) });
      const last = first.at(-1)!;
      expect((await store.requestLogs.list({ accountId: 'acct_a' }, { time: last.time, seq: last.seq }, 2)).map((row) => row.id)).toEqual(['req_1']);
    });

    it('keeps how each request authenticated: with its key or with an OAuth access token of it', async () => {
      await store.requestLogs.append([logEntry('req_1', NOW), logEntry('req_2', NOW + 1, { auth: 'oauth' })]);
      const rows = await store.requestLogs.list({ accountId: 'acct_a' }, undefined, 10);
      expect(rows.map((row) => [row.id, row.auth])).toEqual([
        ['req_2', 'oauth'],
        ['req_1', 'key'],
      ]);
    });

    it('counts a summary row of sampled refusals as the requests it stands for', async () => {
      await store.requestLogs.append([
        logEntry('req_1', NOW),
        logEntry('req_2', NOW, { status: 401, errorCode: 'INACTIVE_KEY', accepted: false, credits: 0, requests: 40 }),
      ]);
      expect(await store.requestLogs.daily('acct_a', dayOf(NOW), dayOf(NOW))).toEqual([{ day: dayOf(NOW), requests: 41, errors: 40 }]);
      expect((await store.requestLogs.list({ keyId: 'key_1' }, undefined, 10)).map((row) => row.requests)).toEqual([40, 1]);
    });

    it('counts requests and errors per UTC day', async () => {
      await store.requestLogs.append([logEntry('req_1', NOW - DAY_MS), logEntry('req_2', NOW, { status: 500 }), logEntry('req_3', NOW + 1)]);
      const days = await store.requestLogs.daily('acct_a', dayOf(NOW) - 1, dayOf(NOW));
      expect(days.sort((a, b) => a.day - b.day)).toEqual([
        { day: dayOf(NOW) - 1, requests: 1, errors: 0 },
        { day: dayOf(NOW), requests: 2, errors: 1 },
      ]);
    });

    it('prunes by the retention of each plan', async () => {
      await store.requestLogs.append([logEntry('req_1', NOW - 10 * DAY_MS), logEntry('req_2', NOW - DAY_MS), logEntry('req_3', NOW)]);
      expect(
        await store.requestLogs.prune(
          {
            byPlan: new Map([
              ['pro', 1],
              ['free', null],
            ]),
            otherwise: 1,
          },
          NOW,
        ),
      ).toBe(0);
      expect(await store.requestLogs.prune({ byPlan: new Map([['free', 7]]), otherwise: null }, NOW)).toBe(1);
      expect(await store.requestLogs.count({ accountId: 'acct_a' })).toBe(2);
    });

    it('prunes the accounts on a plan it was not given by the retention for those', async () => {
      await store.requestLogs.append([logEntry('req_1', NOW - 10 * DAY_MS), logEntry('req_2', NOW - DAY_MS), logEntry('req_3', NOW)]);
      expect(await store.requestLogs.prune({ byPlan: new Map([['pro', 1]]), otherwise: null }, NOW)).toBe(0);
      expect(await store.requestLogs.prune({ byPlan: new Map([['pro', 1]]), otherwise: 7 }, NOW)).toBe(1);
      expect(await store.requestLogs.prune({ byPlan: new Map(), otherwise: 0 }, NOW)).toBe(1);
    });

    it('keeps the usage that accepted requests imply: all-time total, minutes and recent times', async () => {
      await store.requestLogs.append([
        logEntry('req_1', NOW),
        logEntry('req_2', NOW + 1),
        logEntry('req_3', NOW + MINUTE),
        logEntry('req_4', NOW + MINUTE, { accepted: false }),
      ]);
      expect(await store.requestLogs.keyUsage('key_1', NOW, NOW)).toEqual({
        total: 3,
        minutes: [
          [NOW / MINUTE, 2],
          [NOW / MINUTE + 1, 1],
        ],
        recent: [NOW + 1, NOW + MINUTE],
      });
      expect(await store.requestLogs.accountRecent('acct_a', NOW - 1)).toEqual([NOW, NOW + 1, NOW + MINUTE]);
    });

    it('adds up concurrent batches touching the same keys and minutes in any order', async () => {
      const other = await rival();
      const batch = (i: number, keys: string[]) =>
        keys.flatMap((keyId) => [logEntry(`req_${i}_${keyId}_a`, NOW, { keyId }), logEntry(`req_${i}_${keyId}_b`, NOW + MINUTE, { keyId })]);
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).requestLogs.append(batch(i, i % 2 ? ['key_1', 'key_2'] : ['key_2', 'key_1']))),
      );
      for (const keyId of ['key_1', 'key_2']) {
        expect(await store.requestLogs.keyUsage(keyId, NOW, NOW + MINUTE)).toMatchObject({
          total: 20,
          minutes: [
            [NOW / MINUTE, 10],
            [NOW / MINUTE + 1, 10],
          ],
        });
      }
    });
  });

  describe('access tokens', () => {
    const HOUR = 3600_000;
    const token = (hash: string, keyId = 'key_1', changes: Partial<AccessToken> = {}): AccessToken => ({
      hash,
      keyId,
      accountId: 'acct_a',
      createdAt: NOW,
      expiresAt: NOW + HOUR,
      revokedAt: null,
      ...changes,
    });

    beforeEach(async () => {
      await store.keys.insertGuarded(key('key_1', 'one'), null, NOW);
      await store.keys.insertGuarded(key('key_2', 'two'), null, NOW);
    });

    it("finds an unrevoked token by its hash with its key's hash, expired ones included, revoked ones not", async () => {
      await store.accessTokens.insert(token('t1'));
      await store.accessTokens.insert(token('t2', 'key_1', { expiresAt: NOW - 1 }));
      expect(await store.accessTokens.findLive('t1')).toEqual({ token: token('t1'), keyHash: 'hash_key_1' });
      expect((await store.accessTokens.findLive('t2'))?.token.expiresAt).toBe(NOW - 1);
      expect(await store.accessTokens.findLive('nope')).toBeUndefined();
      expect(await store.accessTokens.revoke('t1', 'key_1', NOW)).toBe(true);
      expect(await store.accessTokens.revoke('t1', 'key_1', NOW)).toBe(false);
      expect(await store.accessTokens.findLive('t1')).toBeUndefined();
    });

    it('revokes a token only for its own key', async () => {
      await store.accessTokens.insert(token('t1'));
      expect(await store.accessTokens.revoke('t1', 'key_2', NOW)).toBe(false);
      expect(await store.accessTokens.findLive('t1')).toEqual({ token: token('t1'), keyHash: 'hash_key_1' });
    });

    it("counts and revokes all of a key's live tokens, leaving other keys' and expired ones be", async () => {
      await store.accessTokens.insert(token('t1'));
      await store.accessTokens.insert(token('t2'));
      await store.accessTokens.insert(token('t3', 'key_1', { expiresAt: NOW }));
      await store.accessTokens.insert(token('t4', 'key_2'));
      await store.accessTokens.insert(token('t5', 'key_1', { revokedAt: NOW - 1 }));
      expect(await store.accessTokens.countLive('key_1', NOW)).toBe(2);
      expect(await store.accessTokens.revokeAllOfKey('key_1', NOW)).toBe(2);
      expect(await store.accessTokens.countLive('key_1', NOW)).toBe(0);
      expect(await store.accessTokens.countLive('key_2', NOW)).toBe(1);
      expect(await store.accessTokens.findLive('t3')).toEqual({ token: token('t3', 'key_1', { expiresAt: NOW }), keyHash: 'hash_key_1' });
    });

    it('prunes tokens that expired before the given time', async () => {
      await store.accessTokens.insert(token('old', 'key_1', { expiresAt: NOW - HOUR }));
      await store.accessTokens.insert(token('new'));
      expect(await store.accessTokens.prune(NOW)).toBe(1);
      expect(await store.accessTokens.findLive('old')).toBeUndefined();
      expect(await store.accessTokens.findLive('new')).toEqual({ token: token('new'), keyHash: 'hash_key_1' });
    });
  });

  describe('events', () => {
    it('adds a batch to the rollups, however its events fall across days and values', async () => {
      await store.events.append([event(NOW), event(NOW, { bot: null, path: '/a', referrerHost: 'r.example' }), event(NOW - DAY_MS)]);
      await store.events.append([event(NOW, { bot: null, path: '/a' })]);
      expect(await store.events.dailyCounts('site_a', { from: dayOf(NOW) - 1, to: dayOf(NOW) })).toEqual([
        { day: dayOf(NOW) - 1, humans: 0, bots: 1 },
        { day: dayOf(NOW), humans: 2, bots: 1 },
      ]);
      expect(await store.events.top('site_a', 'path', TODAY, 10)).toEqual([
        { value: '/a', events: 2 },
        { value: '/', events: 1 },
      ]);
      expect(await store.events.top('site_a', 'referrer', TODAY, 10)).toEqual([{ value: 'r.example', events: 1 }]);
      expect(await store.events.countsByAccount('acct_a', TODAY)).toEqual(new Map([['site_a', 3]]));
    });

    it('breaks ties in the top values by value, byte order', async () => {
      await store.events.append(['/b', '/B', '/a-c', '/ab'].map((path) => event(NOW, { path })));
      expect((await store.events.top('site_a', 'path', TODAY, 10)).map((row) => row.value)).toEqual(['/B', '/a-c', '/ab', '/b']);
    });

    it('adds up concurrent batches touching the same rollups in any order', async () => {
      const other = await rival();
      const paths = ['/a', '/b', '/c'];
      const batch = paths.flatMap((path) => [event(NOW - DAY_MS, { path, bot: null }), event(NOW, { path, bot: null })]);
      await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : store).events.append(i % 2 ? batch : [...batch].reverse())));
      const days = { from: dayOf(NOW) - 1, to: dayOf(NOW) };
      expect(await store.events.dailyCounts('site_a', days)).toEqual([
        { day: dayOf(NOW) - 1, humans: 30, bots: 0 },
        { day: dayOf(NOW), humans: 30, bots: 0 },
      ]);
      expect(await store.events.top('site_a', 'path', days, 10)).toEqual(paths.map((value) => ({ value, events: 20 })));
    });

    it('prunes raw events before a time and keeps the rollups', async () => {
      await store.events.append([event(NOW - 40 * DAY_MS), event(NOW - 40 * DAY_MS), event(NOW)]);
      expect(await store.events.prune(NOW - 30 * DAY_MS)).toBe(2);
      expect(await store.events.prune(NOW - 30 * DAY_MS)).toBe(0);
      const old = dayOf(NOW - 40 * DAY_MS);
      expect(await store.events.dailyCounts('site_a', { from: old, to: old })).toEqual([{ day: old, humans: 0, bots: 2 }]);
    });

    it("deletes a site's events and rollups with the site", async () => {
      await store.events.append([event(NOW)]);
      await store.sites.delete('site_a');
      expect(await store.events.dailyCounts('site_a', TODAY)).toEqual([]);
      expect(await store.events.top('site_a', 'bot', TODAY, 10)).toEqual([]);
      expect(await store.events.prune(NOW + 1)).toBe(0);
    });
  });
  describe('webhooks', () => {
    it('inserts endpoints up to a limit, lists them with their event types, updates and deletes them', async () => {
      expect(await store.webhooks.insertEndpointWithinLimit(endpoint('wh_1', { events: ['key.created', 'key.revoked'] }), 2)).toBe('ok');
      expect(await store.webhooks.insertEndpointWithinLimit(endpoint('wh_2'), 2)).toBe('ok');
      expect(await store.webhooks.insertEndpointWithinLimit(endpoint('wh_3'), 2)).toBe('PLAN_LIMIT');
      expect(await store.webhooks.listEndpoints('acct_a')).toEqual([endpoint('wh_1', { events: ['key.created', 'key.revoked'] }), endpoint('wh_2')]);
      await store.webhooks.updateEndpoint(
        endpoint('wh_1', { events: ['site.created'], enabled: false, url: 'https://other.example.com/', secret: 'whsec_new' }),
      );
      expect(await store.webhooks.findEndpoint('wh_1')).toEqual(
        endpoint('wh_1', { events: ['site.created'], enabled: false, url: 'https://other.example.com/', secret: 'whsec_new' }),
      );
      await store.webhooks.deleteEndpoint('wh_1');
      expect(await store.webhooks.findEndpoint('wh_1')).toBeUndefined();
      expect((await store.webhooks.listEndpoints('acct_a')).map((row) => row.id)).toEqual(['wh_2']);
    });

    it('fans an event out to the enabled endpoints that want its type, and keeps none that has nowhere to go', async () => {
      await store.webhooks.insertEndpointWithinLimit(endpoint('wh_all'), 10);
      await store.webhooks.insertEndpointWithinLimit(endpoint('wh_keys', { events: ['key.created'] }), 10);
      await store.webhooks.insertEndpointWithinLimit(endpoint('wh_sites', { events: ['site.created'] }), 10);
      await store.webhooks.insertEndpointWithinLimit(endpoint('wh_off', { enabled: false }), 10);
      await store.webhooks.emit([webhookEvent('evt_1', 'key.created'), webhookEvent('evt_2', 'key.deleted')]);
      await store.webhooks.emit([webhookEvent('evt_3', 'webhook.test')], 'wh_sites');
      await store.webhooks.emit([{ ...webhookEvent('evt_4'), accountId: 'acct_other' }]);
      expect(await claimAll(store)).toEqual(['evt_1>wh_all', 'evt_1>wh_keys', 'evt_2>wh_all', 'evt_3>wh_sites']);
      expect(await store.webhooks.emitOnce('notice:1', webhookEvent('evt_5'))).toBe(true);
      expect(await store.webhooks.emitOnce('notice:1', webhookEvent('evt_6'))).toBe(false);
      expect(await claimAll(store)).toEqual(['evt_5>wh_all', 'evt_5>wh_keys']);
    });

    it('commits the events of a key or site write with it, and none when the write is refused or fails', async () => {
      await store.webhooks.insertEndpointWithinLimit(endpoint('wh_1'), 10);
      expect(await store.keys.insertGuarded(key('key_1', 'one'), 1, NOW, [webhookEvent('evt_created')])).toBe('ok');
      expect(await store.keys.insertGuarded(key('key_2', 'two'), 1, NOW, [webhookEvent('evt_refused')])).toBe('PLAN_LIMIT');
      // The same id again: the insert itself fails after the events were written, and the transaction takes them back.
      await expect(store.keys.insertGuarded(key('key_1', 'three'), null, NOW, [webhookEvent('evt_failed')])).rejects.toThrow();
      expect(await store.keys.rotate('key_1', key('key_3', 'one'), NOW + MINUTE, NOW, null, [webhookEvent('evt_name_taken', 'key.rotated')])).toBe(
        'NAME_TAKEN',
      );
      await store.keys.update('key_1', { active: false }, [webhookEvent('evt_deactivated', 'key.deactivated')]);
      expect(await store.keys.edit({ ...key('key_1', 'renamed') }, NOW, [webhookEvent('evt_updated', 'key.updated')])).toBe('ok');
      await store.keys.update('key_1', { lastUsedAt: NOW });
      expect(await store.keys.deleteUnused('key_1', [webhookEvent('evt_not_deleted', 'key.deleted')])).toBe(false);
      await store.sites.insertWithinLimit({ id: 'site_b', accountId: 'acct_a', domain: 'b.example.com', siteKey: 'ak_b', createdAt: 0 }, 1, [
        webhookEvent('evt_site_refused', 'site.created'),
      ]);
      await store.sites.delete('site_a', [webhookEvent('evt_site_deleted', 'site.deleted')]);
      expect(await claimAll(store)).toEqual(['evt_created>wh_1', 'evt_deactivated>wh_1', 'evt_site_deleted>wh_1', 'evt_updated>wh_1']);
    });

    it('claims due deliveries once, at most so many per endpoint, and again when the lease runs out', async () => {
      await store.webhooks.insertEndpointWithinLimit(endpoint('wh_1'), 10);
      await store.webhooks.insertEndpointWithinLimit(endpoint('wh_2'), 10);
      await store.webhooks.emit([webhookEvent('evt_1'), webhookEvent('evt_2'), webhookEvent('evt_3'), webhookEvent('evt_later', 'key.created', NOW + MINUTE)]);
      const take = (instance: Store, owner: string, now = NOW) =>
        instance.webhooks.claim({ now, leaseUntil: now + MINUTE, owner, limit: 10, perEndpoint: 2, skipEndpoints: ['wh_2'] });
      const first = await take(store, 'a');
      expect(first.map((delivery) => `${delivery.event.id}>${delivery.endpoint.id}`).sort()).toEqual(['evt_1>wh_1', 'evt_2>wh_1']);
      expect(first[0]).toMatchObject({ attempt: 1, endpoint: { url: 'https://hooks.example.com/wh_1', secret: 'whsec_wh_1' } });
      expect((await take(store, 'b')).map((delivery) => delivery.event.id)).toEqual(['evt_3']);
      expect(await take(store, 'b')).toEqual([]);
      // Claimed, then given up by an instance that died: free again once the lease has run out.
      expect((await take(store, 'c', NOW + MINUTE)).map((delivery) => delivery.event.id).sort()).toEqual(['evt_1', 'evt_2']);
      await store.webhooks.release(first[0]!.id, 'c');
      // The released one and the oldest of the rest: still two per endpoint.
      expect((await take(store, 'd', NOW + MINUTE)).map((delivery) => delivery.event.id).sort()).toEqual([first[0]!.event.id, 'evt_3'].sort());
    });

    it('hands each delivery to exactly one of several concurrent claimers', async () => {
      await store.webhooks.insertEndpointWithinLimit(endpoint('wh_1'), 10);
      await store.webhooks.insertEndpointWithinLimit(endpoint('wh_2'), 10);
      await store.webhooks.emit(Array.from({ length: 30 }, (_, i) => webhookEvent(`evt_${i}`)));
      const other = await rival();
      // Rounds of eight claimers at once until a round finds nothing: a claimer may come back short
      // (rows another is taking are skipped), never with a row another got.
      const taken: number[] = [];
      for (let found = true; found; ) {
        const claims = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            (i % 2 ? other : store).webhooks.claim({ now: NOW, leaseUntil: NOW + MINUTE, owner: `o${i}`, limit: 10, perEndpoint: 5, skipEndpoints: [] }),
          ),
        );
        taken.push(...claims.flat().map((delivery) => delivery.id));
        found = claims.some((claim) => claim.length > 0);
      }
      expect(new Set(taken).size).toBe(taken.length);
      expect(taken.length).toBe(60);
    });

    it('records attempts: delivered, retried, given up, a failing endpoint disabled; lists them and redelivers', async () => {
      await store.webhooks.insertEndpointWithinLimit(endpoint('wh_1'), 10);
      await store.webhooks.emit([webhookEvent('evt_1'), webhookEvent('evt_2')]);
      const [one, two] = (await store.webhooks.claim({ now: NOW, leaseUntil: NOW + MINUTE, owner: 'a', limit: 10, perEndpoint: 10, skipEndpoints: [] })).sort(
        (x, y) => x.id - y.id,
      );
      const base = { durationMs: 12, disableIfFailingSince: NOW - 3 * DAY_MS };
      await store.webhooks.recordAttempt({ ...base, delivery: one!, time: NOW, status: 200, error: null, delivered: true, retryAt: null }, 'a');
      await store.webhooks.recordAttempt(
        { ...base, delivery: two!, time: NOW + 1, status: 500, error: 'HTTP 500', delivered: false, retryAt: NOW + MINUTE },
        'a',
      );
      expect(await claimAll(store, NOW + MINUTE - 1)).toEqual([]);
      const [retry] = await store.webhooks.claim({
        now: NOW + MINUTE,
        leaseUntil: NOW + 2 * MINUTE,
        owner: 'b',
        limit: 10,
        perEndpoint: 10,
        skipEndpoints: [],
      });
      expect(retry).toMatchObject({ id: two!.id, attempt: 2, event: { id: 'evt_2' } });
      // A failure more than 3 days after the streak began gives up and disables the endpoint.
      const later = NOW + 3 * DAY_MS + 2;
      await store.webhooks.recordAttempt(
        {
          ...base,
          delivery: retry!,
          time: later,
          status: null,
          error: 'timed out',
          delivered: false,
          retryAt: null,
          disableIfFailingSince: later - 3 * DAY_MS,
        },
        'b',
      );
      expect(await store.webhooks.findEndpoint('wh_1')).toMatchObject({ enabled: false, disabledReason: 'failing', failingSince: NOW + 1 });
      const attempts = await store.webhooks.attempts('wh_1', undefined, 10);
      expect(attempts.map(({ eventId, attempt, status, error, state, durationMs }) => ({ eventId, attempt, status, error, state, durationMs }))).toEqual([
        { eventId: 'evt_2', attempt: 2, status: null, error: 'timed out', state: 'failed', durationMs: 12 },
        { eventId: 'evt_2', attempt: 1, status: 500, error: 'HTTP 500', state: 'failed', durationMs: 12 },
        { eventId: 'evt_1', attempt: 1, status: 200, error: null, state: 'delivered', durationMs: 12 },
      ]);
      expect((await store.webhooks.attempts('wh_1', { time: attempts[0]!.time, seq: attempts[0]!.seq }, 10)).length).toBe(2);
      expect(await store.webhooks.redeliver('wh_other', two!.id, later)).toBeUndefined();
      const redelivery = await store.webhooks.redeliver('wh_1', two!.id, later);
      await store.webhooks.updateEndpoint({ ...(await store.webhooks.findEndpoint('wh_1'))!, enabled: true, disabledReason: null });
      expect(await store.webhooks.findEndpoint('wh_1')).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
      const [again] = await store.webhooks.claim({ now: later, leaseUntil: later + MINUTE, owner: 'c', limit: 10, perEndpoint: 10, skipEndpoints: [] });
      expect(again).toMatchObject({ id: redelivery, attempt: 1, event: { id: 'evt_2', body: webhookEvent('evt_2').body } });
    });

    it('prunes old attempts, finished deliveries, events left without any and notices, and keeps what is pending', async () => {
      await store.webhooks.insertEndpointWithinLimit(endpoint('wh_1'), 10);
      await store.webhooks.emit([webhookEvent('evt_old', 'key.created', NOW - 40 * DAY_MS), webhookEvent('evt_pending', 'key.created', NOW - 40 * DAY_MS)]);
      await store.webhooks.emitOnce('key.expired:key_1:1', webhookEvent('evt_notice', 'key.expired', NOW - 40 * DAY_MS));
      await store.webhooks.emitOnce('quota.threshold:key_1:total:all:80', webhookEvent('evt_total', 'quota.threshold', NOW - 40 * DAY_MS));
      const claimed = await store.webhooks.claim({ now: NOW - 40 * DAY_MS, leaseUntil: NOW, owner: 'a', limit: 10, perEndpoint: 10, skipEndpoints: [] });
      const base = { durationMs: 1, status: 200, error: null, disableIfFailingSince: 0 };
      for (const delivery of claimed) {
        const pending = delivery.event.id === 'evt_pending';
        await store.webhooks.recordAttempt({ ...base, delivery, time: NOW - 40 * DAY_MS, delivered: !pending, retryAt: pending ? NOW + MINUTE : null }, 'a');
      }
      expect(await store.webhooks.prune(NOW - 30 * DAY_MS)).toBe(4);
      expect(await store.webhooks.attempts('wh_1', undefined, 10)).toEqual([]);
      expect(await store.webhooks.prune(NOW - 30 * DAY_MS)).toBe(0);
      expect(await claimAll(store)).toEqual(['evt_pending>wh_1']);
      expect(await store.webhooks.emitOnce('key.expired:key_1:1', webhookEvent('evt_notice_again', 'key.expired'))).toBe(true);
      expect(await store.webhooks.emitOnce('quota.threshold:key_1:total:all:80', webhookEvent('evt_total_again', 'quota.threshold'))).toBe(false);
    });

    it('watches keys that expire soon or have quotas, of accounts with an enabled endpoint', async () => {
      await store.keys.insertGuarded(key('key_soon', 'soon', { expiresAt: NOW + DAY_MS }), null, NOW);
      await store.keys.insertGuarded(key('key_late', 'late', { expiresAt: NOW + 30 * DAY_MS }), null, NOW);
      await store.keys.insertGuarded(key('key_quota', 'quota', { quotas: { daily: 5 } }), null, NOW);
      await store.keys.insertGuarded(key('key_revoked', 'revoked', { quotas: { daily: 5 }, revokedAt: NOW - 1 }), null, NOW);
      await store.keys.insertGuarded(key('key_plain', 'plain'), null, NOW);
      expect(await store.webhooks.watchedKeys(NOW, NOW - DAY_MS, NOW + 7 * DAY_MS)).toEqual([]);
      await store.webhooks.insertEndpointWithinLimit(endpoint('wh_1'), 10);
      expect((await store.webhooks.watchedKeys(NOW, NOW - DAY_MS, NOW + 7 * DAY_MS)).map((row) => row.id)).toEqual(['key_quota', 'key_soon']);
    });
  });
});
