import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Site } from '../../src/core/model.js';
import { DAY_MS } from '../../src/lib/utc-days.js';
import type { CallResult } from '../harness.js';
import { startTestServer, type TestServer } from '../harness.js';
import { type DashboardClient, signUp } from '../http/dashboard-client.js';

/**
 * Dashboard actions on a large embedded database must not stall API traffic: SQLite answers
 * synchronously, on the thread that serves every request. Rows per seeded table: enough that
 * one full scan or one unbounded DELETE stalls the server far past the bound below.
 */
const SEEDED_ROWS = 600_000;
/** Generous: what matters is that no action blocks the event loop for its whole duration. */
const HEALTHZ_BOUND_MS = 200;

let server: TestServer;
let owner: DashboardClient;
let keyId: string;
let doomed: Site;

/** Multi-row inserts from a recursive CTE, straight into the server's database file. */
function seed(path: string, accountId: string, sites: { doomed: string; other: string }, now: number): void {
  const db = new BetterSqlite3(path);
  try {
    db.pragma('busy_timeout = 10000');
    const rows = (select: string) => `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${SEEDED_ROWS}) ${select}`;
    db.prepare(
      `INSERT INTO request_logs (id, account_id, key_id, mode, time, method, route, path, status, error_code, duration_ms, ip, referrer, user_agent, credits, accepted)
       ${rows(`SELECT printf('req_%020d', i), @account, @key, 'live', @now - (i * 2000) % (29 * ${DAY_MS}), 'GET', '/api/v1/sites', '/api/v1/sites',
         CASE WHEN i % 10 = 0 THEN 429 ELSE 200 END, CASE WHEN i % 10 = 0 THEN 'RATE_LIMITED' END, 1.5, '192.0.2.1', NULL, 'seed', 1, 1 FROM n`)}`,
    ).run({ account: accountId, key: keyId, now });
    // Half the events are the doomed site's, half another's: deleting one site must not scan the other's.
    db.prepare(
      `INSERT INTO events (site_id, time, url, referrer, user_agent, bot)
       ${rows(`SELECT CASE WHEN i % 2 = 0 THEN @doomed ELSE @other END, @now - (i * 1000) % (29 * ${DAY_MS}), 'https://example.com/page', NULL, 'seed', NULL FROM n`)}`,
    ).run({ ...sites, now });
  } finally {
    db.close();
  }
}

/** Runs `action` while polling /healthz back to back; every poll's round trip, in ms. */
async function healthzDuring(action: () => Promise<CallResult>): Promise<{ answer: CallResult; polls: number[] }> {
  let finished = false;
  const running = action().finally(() => (finished = true));
  const polls: number[] = [];
  do {
    const started = performance.now();
    const response = await fetch(`${server.url}/healthz`);
    await response.text();
    expect(response.status).toBe(200);
    polls.push(performance.now() - started);
  } while (!finished);
  return { answer: await running, polls };
}

beforeAll(async () => {
  server = await startTestServer();
  owner = await signUp(server);
  keyId = (await server.newKey(owner.accountId)).key.id;
  doomed = await server.services.sites.createSite(owner.accountId, 'doomed.example.com');
  const other = await server.services.sites.createSite(owner.accountId, 'kept.example.com');
  seed(join(server.dataDir, 'keygate.db'), owner.accountId, { doomed: doomed.id, other: other.id }, server.clock.now());
}, 120_000);
afterAll(() => server.close());

describe(`dashboard actions on ${SEEDED_ROWS.toLocaleString('en')} log rows and events`, () => {
  it.each([
    ['the logs page with its total', '/logs?limit=50'],
    ['the logs page filtered to a status class no row has', '/logs?limit=50&status=5xx'],
    ['the logs page filtered by key and status class', `/logs?limit=50&status=429&key=KEY`],
    ['the overview with its requests-per-day chart', '/overview'],
  ])('%s keeps /healthz answered', async (_name, path) => {
    const { answer, polls } = await healthzDuring(() => owner.request('GET', path.replace('KEY', keyId)));
    expect(answer.status, answer.text).toBe(200);
    expect(Math.max(...polls), `slowest of ${polls.length} polls`).toBeLessThan(HEALTHZ_BOUND_MS);
  });

  it('answers the logs page and the overview from the seeded rows', async () => {
    const page = await owner.request('GET', '/logs?limit=2&status=429');
    expect(page.body.total).toBe(SEEDED_ROWS / 10);
    expect(page.body.logs.map((row: { code: string }) => row.code)).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);
    const overview = await owner.request('GET', '/overview');
    const days = overview.body.requests_per_day as Array<{ requests: number; errors: number }>;
    expect(days.reduce((sum, day) => sum + day.requests, 0)).toBe(SEEDED_ROWS);
    expect(days.reduce((sum, day) => sum + day.errors, 0)).toBe(SEEDED_ROWS / 10);
  });

  it('deleting a site with half the events keeps /healthz answered, and removes exactly its events', async () => {
    const { answer, polls } = await healthzDuring(() => owner.request('DELETE', `/sites/${doomed.id}`));
    expect(answer.status, answer.text).toBe(204);
    expect(Math.max(...polls), `slowest of ${polls.length} polls`).toBeLessThan(HEALTHZ_BOUND_MS);
    const db = new BetterSqlite3(join(server.dataDir, 'keygate.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM events WHERE site_id = ?').pluck().get(doomed.id)).toBe(0);
      expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(SEEDED_ROWS / 2);
    } finally {
      db.close();
    }
  });
});
