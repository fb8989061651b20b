import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requestLogView } from '../../src/http/views.js';
import { generateApiKey } from '../../src/lib/key-format.js';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from './expect-error.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1' } });
});
afterAll(() => server.close());

const DAY = 86_400_000;

async function logsOf(keyId: string, limit = 100) {
  const { count, logs } = await server.services.requestLogs.list({ keyId, limit });
  return { count, logs: logs.map(requestLogView) };
}

describe('request logs (SPEC §4)', () => {
  it('records an answered request with every field, under the request_id it was answered with', async () => {
    const account = await server.newAccount();
    const site = await server.services.sites.createSite(account, 'logged.example');
    const { key, secret } = await server.newKey(account);
    const result = await server.call(`/api/v1/sites/${site.id}?from=x`, {
      key: secret,
      headers: { 'x-forwarded-for': '198.51.100.7', referer: 'https://app.example.com/page', 'user-agent': 'log-test/1.0' },
    });
    expect(result.status).toBe(200);
    const { count, logs } = await logsOf(key.id);
    expect(count).toBe(1);
    expect(logs[0]).toEqual({
      id: result.headers.get('x-request-id'),
      time: new Date(server.clock.now()).toISOString(),
      key_id: key.id,
      mode: 'live',
      method: 'GET',
      route: '/api/v1/sites/:id',
      path: `/api/v1/sites/${site.id}`,
      status: 200,
      code: null,
      duration_ms: expect.any(Number),
      ip: '198.51.100.7',
      referrer: 'https://app.example.com/page',
      user_agent: 'log-test/1.0',
      credits: 1,
      auth: 'key',
      requests: 1,
    });
    expect(logs[0]!.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it('records refusals of a known key with their code and no credits, and nothing for unknown keys', async () => {
    const account = await server.newAccount();
    const { key, secret } = await server.newKey(account);
    await server.call('/api/v1/sites', { key: generateApiKey('live') });
    await server.call('/api/v1/sites');
    await server.call('/api/v1/sites/site_other', { key: secret });
    await server.services.keys.deactivateKey(key.id, { accountId: account });
    server.clock.advance(1);
    await server.call('/api/v1/sites', { key: secret });
    await server.services.keys.revokeKey(key.id, { accountId: account });
    server.clock.advance(1);
    await server.call('/api/v1/sites', { key: secret });

    const { count, logs } = await logsOf(key.id);
    expect(count).toBe(3);
    // Newest first.
    expect(logs.map(({ status, code, credits }) => ({ status, code, credits }))).toEqual([
      { status: 401, code: 'INVALID_KEY', credits: 0 },
      { status: 401, code: 'INACTIVE_KEY', credits: 0 },
      { status: 403, code: 'SITE_NOT_FOUND', credits: 0 },
    ]);
    expect((await server.services.requestLogs.list({ accountId: account, limit: 10 })).count).toBe(3);
  });

  it('logs test keys as test with 0 credits', async () => {
    const account = await server.newAccount();
    const { key, secret } = await server.newKey(account, { mode: 'test' });
    expect((await server.call('/api/v1/sites', { key: secret })).body).toEqual({ sites: [], livemode: false });
    const { logs } = await logsOf(key.id);
    expect(logs).toMatchObject([{ mode: 'test', status: 200, credits: 0 }]);
  });

  it('has committed every row by the time its answer arrives, also under concurrency', async () => {
    const account = await server.newAccount({ plan: 'pro' });
    const { key, secret } = await server.newKey(account);
    const answers = await Promise.all(Array.from({ length: 40 }, () => server.call('/api/v1/sites', { key: secret })));
    const { count, logs } = await logsOf(key.id);
    expect(count).toBe(40);
    expect(new Set(logs.map((log) => log.id))).toEqual(new Set(answers.map((answer) => answer.headers.get('x-request-id'))));
  });

  it('moves last_used_at with authenticated requests only', async () => {
    const account = await server.newAccount();
    const { key, secret } = await server.newKey(account, { restrictions: { ips: ['203.0.113.0/24'] } });
    const lastUsed = async () => (await server.services.keys.getKey(key.id, 'operator')).lastUsedAt;
    await server.call('/api/v1/sites', { key: secret, headers: { 'x-forwarded-for': '198.51.100.1' } });
    expect(await lastUsed()).toBeNull();
    server.clock.advance(5000);
    await server.call('/api/v1/sites', { key: secret, headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(await lastUsed()).toBe(server.clock.now());
  });

  it('stamps last_used_at once for the requests of one second, which all wait for that one write', async () => {
    const account = await server.newAccount({ plan: 'pro' });
    const { key, secret } = await server.newKey(account);
    // The key's record cached first: concurrent first requests may each read their own.
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    const writes = vi.spyOn(server.services.store.keys, 'update');
    try {
      server.clock.advance(5000);
      const answers = await Promise.all(Array.from({ length: 20 }, () => server.call('/api/v1/sites', { key: secret })));
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      expect(writes.mock.calls.filter(([id]) => id === key.id)).toEqual([[key.id, { lastUsedAt: server.clock.now() }]]);
      expect((await server.services.keys.getKey(key.id, 'operator')).lastUsedAt).toBe(server.clock.now());
    } finally {
      writes.mockRestore();
    }
  });

  it('answers 503 NOT_READY, not 500, when storage refuses the log row of a request it was refusing anyway', async () => {
    const account = await server.newAccount();
    const { secret } = await server.newKey(account, { restrictions: { ips: ['203.0.113.0/24'] } });
    const full = vi.spyOn(server.services.requestLog, 'add').mockRejectedValue(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    try {
      const refused = await server.call('/api/v1/sites', { key: secret, headers: { 'x-forwarded-for': '198.51.100.1' } });
      expect(full).toHaveBeenCalledTimes(1);
      expectError(refused, 503, 'NOT_READY');
      expect(refused.body.request_id).toBe(refused.headers.get('x-request-id'));
      const accepted = await server.call('/api/v1/sites', { key: secret, headers: { 'x-forwarded-for': '203.0.113.9' } });
      expectError(accepted, 503, 'NOT_READY');
    } finally {
      full.mockRestore();
    }
  });

  it("is pruned after the plan's retention: 30 days on free, 90 on pro", async () => {
    const free = await server.newAccount();
    const pro = await server.newAccount({ plan: 'pro' });
    const freeKey = await server.newKey(free);
    const proKey = await server.newKey(pro);
    await server.call('/api/v1/sites', { key: freeKey.secret });
    await server.call('/api/v1/sites', { key: proKey.secret });

    server.clock.advance(30 * DAY - 1000);
    await server.services.requestLogs.prune();
    expect((await logsOf(freeKey.key.id)).count).toBe(1);
    server.clock.advance(2000);
    await server.services.requestLogs.prune();
    expect((await logsOf(freeKey.key.id)).count).toBe(0);
    expect((await logsOf(proKey.key.id)).count).toBe(1);
    server.clock.advance(60 * DAY);
    await server.services.requestLogs.prune();
    expect((await logsOf(proKey.key.id)).count).toBe(0);
  });
});
