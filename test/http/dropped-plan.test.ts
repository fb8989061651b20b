import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyListAnswer, PlanAnswer, SessionView } from '../../src/http/responses.js';
import { ManualClock } from '../../src/lib/clock.js';
import { DAY_MS } from '../../src/lib/utc-days.js';
import { startTestServer, type TestServer } from '../harness.js';
import { type DashboardClient, dashboardCall, signUp } from './dashboard-client.js';
import { expectError } from './expect-error.js';

/**
 * SPEC §1: an account names its plan, and an operator may drop that plan from PLANS_FILE.
 * Keygate then holds the account to the free plan everywhere: the REST API's limits, key
 * creation, sites and the dashboard's pages, never "no limits" and never an error.
 */
describe('an account whose plan was dropped from PLANS_FILE', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keygate-dropped-plan-'));
  const clock = new ManualClock(Date.now());
  let server: TestServer;
  let owner: DashboardClient;
  let keyIds: string[];
  let secret: string;

  beforeAll(async () => {
    const before = await startTestServer({ dataDir, clock, plans: { gold: { max_keys: 10, max_sites: 10, per_key_per_minute: 1000 } } });
    const client = await signUp(before);
    await before.services.accounts.setPlan(client.accountId, 'gold');
    keyIds = [];
    for (let i = 0; i < 4; i++) {
      const created = await client.request('POST', '/keys', { name: `gold key ${i}` });
      expect(created.status, created.text).toBe(201);
      keyIds.push(created.body.key.id);
      secret = created.body.secret;
    }
    for (let i = 0; i < 4; i++) expect((await client.request('POST', '/sites', { domain: `gold${i}.example.com` })).status).toBe(201);
    await before.close();

    // The operator restarts without `gold`.
    server = await startTestServer({ dataDir, clock, plans: {} });
    owner = { ...client, request: (method, path, body, headers) => dashboardCall(server, client.cookie, method, path, body, headers) };
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is shown on the free plan by the Plan page and the session', async () => {
    const plan = await owner.request<PlanAnswer>('GET', '/plan');
    expect(plan.status, plan.text).toBe(200);
    expect(plan.body).toEqual({
      plan: { name: 'free', max_keys: 3, per_key_per_minute: 60, account_per_second: 10, account_per_minute: 180, max_sites: 3, log_retention_days: 30 },
      usage: { keys: 4, sites: 4 },
    });
    const session = await owner.request<SessionView>('GET', '/session');
    expect(session.body.account).toEqual({ id: owner.accountId, plan: 'free' });
  });

  it("is held to the free plan's key limit by the Keys page and key creation", async () => {
    const keys = await owner.request<KeyListAnswer>('GET', '/keys');
    expect(keys.status, keys.text).toBe(200);
    expect(keys.body.limit).toEqual({ max_keys: 3, used: 4 });
    expectError(await owner.request('POST', '/keys', { name: 'one too many' }), 403, 'PLAN_LIMIT', /^The free plan allows 3 API keys/);
    for (const id of keyIds.slice(0, 2)) expect((await owner.request('POST', `/keys/${id}/revoke`)).status).toBe(200);
    expect((await owner.request('POST', '/keys', { name: 'within free' })).status).toBe(201);
  });

  it("is held to the free plan's site limit", async () => {
    expectError(await owner.request('POST', '/sites', { domain: 'fifth.example.com' }), 403, 'PLAN_LIMIT', /^The free plan allows 3 sites/);
  });

  it("is held to the free plan's per-key rate limit by the REST API", async () => {
    const answer = await server.call('/api/v1/sites', { key: secret });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get('ratelimit-policy')).toBe('"per-key";q=60;w=60');
  });

  it('keeps its request logs as long as the free plan does', async () => {
    const logged = () => server.services.requestLogs.list({ accountId: owner.accountId, limit: 0 });
    expect((await logged()).count).toBeGreaterThan(0);
    clock.advance(29 * DAY_MS);
    await server.services.requestLogs.prune();
    expect((await logged()).count).toBeGreaterThan(0);
    clock.advance(2 * DAY_MS);
    await server.services.requestLogs.prune();
    expect((await logged()).count).toBe(0);
  });
});
