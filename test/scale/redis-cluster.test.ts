import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from '../http/expect-error.js';
import { forwardedFor } from '../http/forwarded-for.js';
import { startRedisCluster } from '../services.js';

/**
 * SPEC §8 on a Redis Cluster of three masters: every script touches keys of one hash slot (the
 * prefix's tag), so two instances keep limits exact, blocks and revocations shared, as on one Redis.
 */

const PLANS = { per_key: { per_key_per_minute: 5, account_per_second: null, account_per_minute: null } };

let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
let first: TestServer;
let second: TestServer;

beforeAll(async () => {
  cluster = await startRedisCluster([7301, 7302, 7303]);
  const env = { TRUST_PROXY: '127.0.0.1', AUTH_FAIL_LIMIT: '4', REDIS_URL: cluster.url };
  first = await startTestServer({ plans: PLANS, env });
  expect(first.env.REDIS_URL).toBe(cluster.url);
  second = await startTestServer({ plans: PLANS, clock: first.clock, env: { ...env, ...first.env } });
});
afterAll(async () => {
  await second?.close();
  await first?.close();
  cluster?.stop();
});

describe('two instances on a Redis Cluster', () => {
  it('admit exactly the per-key limit across both', async () => {
    const account = await first.newAccount({ plan: 'per_key' });
    const { secret } = await first.newKey(account);
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await [first, second][i % 2]!.call('/api/v1/sites', { key: secret })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  });

  it('refuse a key revoked through one on the very next request to the other', async () => {
    const account = await first.newAccount({ plan: 'per_key' });
    const key = await first.newKey(account);
    expect((await second.call('/api/v1/sites', { key: key.secret })).status).toBe(200);
    await first.services.keys.revokeKey(key.key.id, { accountId: account });
    expectError(await second.call('/api/v1/sites', { key: key.secret }), 401, 'INVALID_KEY');
  });

  it('block an IP on both once its failures, counted across both, reach the limit', async () => {
    const account = await first.newAccount({ plan: 'per_key' });
    const { secret } = await first.newKey(account);
    const ip = forwardedFor('198.51.100.99');
    for (let i = 0; i < 4; i++)
      expectError(await [first, second][i % 2]!.call('/api/v1/sites', { key: `sk_live_${'0'.repeat(32)}`, headers: ip }), 401, 'INVALID_KEY');
    for (const server of [first, second]) expectError(await server.call('/api/v1/sites', { key: secret, headers: ip }), 403, 'IP_BLOCKED');
  });
});
