import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { type CallResult, startTestServer, type TestServer } from '../harness.js';
import { collectHit } from '../http/collect-hit.js';
import { expectError } from '../http/expect-error.js';
import { forwardedFor } from '../http/forwarded-for.js';
import { oauthPost, obtainToken } from '../http/oauth-client.js';
import { RedisClients } from '../redis-clients.js';

/**
 * SPEC §8 scaled out: two instances on one PostgreSQL database and one Redis, as behind a
 * load balancer. Requests alternate between them; limits must hold exactly across both and
 * a revocation on one must refuse the very next request on the other.
 */

const PLANS = {
  per_key: { per_key_per_minute: 10, account_per_second: null, account_per_minute: null },
  per_account: { per_key_per_minute: null, account_per_second: 4, account_per_minute: null },
  roomy: { per_key_per_minute: null, account_per_second: null, account_per_minute: null },
};

let first: TestServer;
let second: TestServer;
/** The two instances in turn, as a round-robin balancer would. */
let instances: TestServer[];

beforeAll(async () => {
  const env = { TRUST_PROXY: '127.0.0.1', AUTH_FAIL_LIMIT: '6', COLLECT_SITE_PER_SECOND: '7', OAUTH_TOKENS_PER_MINUTE: '4' };
  first = await startTestServer({ plans: PLANS, env });
  expect(first.env.DATABASE_URL).toMatch(/^postgres:\/\//);
  expect(first.env.REDIS_URL).toMatch(/^redis:\/\//);
  second = await startTestServer({ plans: PLANS, clock: first.clock, env: { ...env, ...first.env } });
  instances = [first, second];
});
afterAll(async () => {
  await second?.close();
  await first?.close();
});

/** `count` calls at once, spread over both instances. */
function spread(count: number, call: (server: TestServer, i: number) => Promise<CallResult>): Promise<CallResult[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => call(instances[i % 2]!, i)));
}

const statuses = (results: CallResult[]) => results.map((result) => result.status).sort();

async function keyOn(plan: string, input = {}) {
  const account = await first.newAccount({ plan });
  return { account, ...(await first.newKey(account, input)) };
}

describe('two instances sharing PostgreSQL and Redis', () => {
  it('serve the same accounts, sites and keys', async () => {
    const { account, secret } = await keyOn('roomy');
    await second.services.sites.createSite(account, 'shared.example.com');
    for (const server of instances) {
      const { status, body } = await server.call('/api/v1/sites', { key: secret });
      expect(status).toBe(200);
      expect(body.sites.map((site: { domain: string }) => site.domain)).toEqual(['shared.example.com']);
    }
  });

  it('admit exactly the per-key limit across both, however the requests interleave', async () => {
    const { secret } = await keyOn('per_key');
    const results = await spread(30, (server) => server.call('/api/v1/sites', { key: secret }));
    expect(statuses(results)).toEqual([...Array(10).fill(200), ...Array(20).fill(429)]);
    first.clock.advance(60_000);
    expect((await second.call('/api/v1/sites', { key: secret })).status).toBe(200);
  });

  it("admit exactly the account's per-second limit across both, over several keys", async () => {
    const { account, secret } = await keyOn('per_account');
    const other = await first.newKey(account);
    const results = await spread(12, (server, i) => server.call('/api/v1/sites', { key: i % 3 === 0 ? other.secret : secret }));
    expect(statuses(results)).toEqual([...Array(4).fill(200), ...Array(8).fill(429)]);
  });

  it('admit exactly a daily quota across both, and keep it after Redis loses its counters', async () => {
    const { secret } = await keyOn('roomy', { quotas: { daily: 6 } });
    const results = await spread(10, (server) => server.call('/api/v1/sites', { key: secret }));
    expect(statuses(results)).toEqual([...Array(6).fill(200), ...Array(4).fill(401)]);
    for (const result of results.filter((result) => result.status !== 200)) expect(result.body.code).toBe('QUOTA_EXCEEDED');

    // A Redis restart without persistence: the counters are rebuilt from the request logs.
    const redis = new RedisClients();
    try {
      await redis.flush(first.env.REDIS_KEY_PREFIX!);
    } finally {
      await redis.closeAll();
    }
    expectError(await second.call('/api/v1/sites', { key: secret }), 401, 'QUOTA_EXCEEDED');
    expectError(await first.call('/api/v1/sites', { key: secret }), 401, 'QUOTA_EXCEEDED');
  });

  it('refuse a key on one instance right after it is revoked through the other', async () => {
    const { secret, key } = await keyOn('roomy');
    const helper = await first.newKey(key.accountId);
    expect((await first.call('/api/v1/sites', { key: secret })).status).toBe(200);
    expect((await second.call('/api/v1/sites', { key: secret })).status).toBe(200);
    expect((await second.call(`/api/v1/api-keys/${key.id}`, { key: helper.secret, method: 'DELETE' })).status).toBe(200);
    expectError(await first.call('/api/v1/sites', { key: secret }), 401, 'INVALID_KEY');
    expectError(await second.call('/api/v1/sites', { key: secret }), 401, 'INVALID_KEY');
  });

  it('refuse a key on the other instance once it is reported leaked to one, and count leak reports per IP across both', async () => {
    const { secret, key } = await keyOn('roomy');
    const client = forwardedFor('198.51.100.177');
    for (const server of instances) expect((await server.call('/api/v1/sites', { key: secret, headers: client })).status).toBe(200);
    const report = (server: TestServer, token: string, ip: string) =>
      server.call('/api/v1/keys/report-leak', {
        method: 'POST',
        body: JSON.stringify({ key: token }),
        headers: { 'content-type': 'application/json', ...forwardedFor(ip) },
      });
    expect((await report(first, secret, '198.51.100.178')).status).toBe(202);
    await first.services.leaks.settled();
    expectError(await second.call('/api/v1/sites', { key: secret, headers: client }), 401, 'INVALID_KEY');
    expect((await second.services.store.keys.find(key.id))?.leak?.source).toBe('report');
    const reports = await spread(12, (server) => report(server, 'garbage', '198.51.100.179'));
    expect(statuses(reports)).toEqual([...Array(10).fill(202), 429, 429]);
  });

  it('accept an OAuth token issued on one on the other, and refuse it on both right after it or its key is revoked', async () => {
    const { secret, key } = await keyOn('roomy');
    // A client IP of its own: these refusals must not add to the loopback's failures.
    const ip = forwardedFor('198.51.100.90');
    const token = await obtainToken(first, key.id, secret);
    const other = await obtainToken(second, key.id, secret);
    for (const server of instances) {
      for (const presented of [token, other]) expect((await server.call('/api/v1/sites', { key: presented, headers: ip })).status).toBe(200);
    }
    expect((await oauthPost(second, '/oauth/revoke', { token }, { basic: [key.id, secret] })).status).toBe(200);
    for (const server of instances) {
      expectError(await server.call('/api/v1/sites', { key: token, headers: ip }), 401, 'INVALID_KEY');
      expect((await server.call('/api/v1/sites', { key: other, headers: ip })).status).toBe(200);
    }
    await second.services.keys.revokeKey(key.id, 'operator');
    for (const server of instances) expectError(await server.call('/api/v1/sites', { key: other, headers: ip }), 401, 'INVALID_KEY');
  });

  it('issue exactly the per-key number of OAuth tokens a minute across both', async () => {
    const { secret, key } = await keyOn('roomy');
    const results = await spread(10, (server) => oauthPost(server, '/oauth/token', { grant_type: 'client_credentials' }, { basic: [key.id, secret] }));
    expect(statuses(results)).toEqual([...Array(4).fill(200), ...Array(6).fill(429)]);
  });

  it('refuse a key on both instances right after the admin CLI deactivates it, and admit it after reactivation', async () => {
    const { secret, key } = await keyOn('roomy');
    for (const server of instances) expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    expect(await runCli(['admin', 'deactivate-key', '--key', key.id], first.env)).toBe(0);
    for (const server of instances) expectError(await server.call('/api/v1/sites', { key: secret }), 401, 'INACTIVE_KEY');
    expect(await runCli(['admin', 'reactivate-key', '--key', key.id], first.env)).toBe(0);
    for (const server of instances) expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
  });

  it('block an IP on both instances once its failures, counted across both, reach the limit', async () => {
    const { secret } = await keyOn('roomy');
    const ip = forwardedFor('198.51.100.77');
    for (let i = 0; i < 6; i++)
      expectError(await instances[i % 2]!.call('/api/v1/sites', { key: `sk_live_${'0'.repeat(30)}`, headers: ip }), 401, 'INVALID_KEY');
    for (const server of instances) expectError(await server.call('/api/v1/sites', { key: secret, headers: ip }), 403, 'IP_BLOCKED');
    expect((await second.call('/api/v1/sites', { key: secret, headers: forwardedFor('198.51.100.78') })).status).toBe(200);
  });

  it('admit exactly the per-site tracking limit across both, and count every accepted hit once', async () => {
    const account = await first.newAccount({ plan: 'roomy' });
    const site = await first.services.sites.createSite(account, 'tracked.example.com');
    const results = await spread(12, (server, i) => collectHit(server, site.siteKey, { headers: forwardedFor(`203.0.113.${i + 1}`) }));
    expect(statuses(results)).toEqual([...Array(7).fill(202), ...Array(5).fill(429)]);
    const { secret } = await first.newKey(account);
    const { body } = await second.call(`/api/v1/sites/${site.id}`, { key: secret });
    expect(body.site.events_this_month).toBe(7);
  });

  it("refuse a deleted site's tracking hits on one instance right after it is deleted through the other", async () => {
    const account = await first.newAccount({ plan: 'roomy' });
    const site = await first.services.sites.createSite(account, 'doomed.example.com');
    for (const server of instances) expect((await collectHit(server, site.siteKey, { headers: forwardedFor('203.0.113.200') })).status).toBe(202);
    await second.services.sites.deleteSite(account, site.id);
    for (const server of instances) expectError(await collectHit(server, site.siteKey, { headers: forwardedFor('203.0.113.201') }), 400, 'INVALID_SITE_KEY');
  });

  it('write the request logs of both instances to the one log', async () => {
    const { key, secret } = await keyOn('roomy');
    await spread(8, (server) => server.call('/api/v1/sites', { key: secret }));
    const { count, logs } = await second.services.requestLogs.list({ accountId: key.accountId, keyId: key.id, limit: 100 });
    expect(count).toBe(8);
    expect(new Set(logs.map((log) => log.id)).size).toBe(8);
  });

  it('apply a plan change made through the CLI on both instances at the next request', async () => {
    const { account, secret } = await keyOn('roomy');
    expect(await runCli(['admin', 'set-plan', '--account', account, '--plan', 'per_key'], { ...first.env, PLANS_FILE: `${first.dataDir}/plans.json` })).toBe(0);
    const results = await spread(12, (server) => server.call('/api/v1/sites', { key: secret }));
    expect(statuses(results)).toEqual([...Array(10).fill(200), ...Array(2).fill(429)]);
  });
});
