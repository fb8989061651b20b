import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuotaWindow } from '../../src/core/model.js';
import { ManualClock } from '../../src/lib/clock.js';
import { type CallResult, startTestServer, type TestServer } from '../harness.js';

/** Rate limits out of the way, so only quotas bind. */
const PLANS = { roomy: { per_key_per_minute: null, account_per_second: null, account_per_minute: null } };
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ plans: PLANS });
});
afterAll(() => server.close());

function expectQuotaExceeded(result: CallResult, quota: QuotaWindow) {
  expect(result.status).toBe(401);
  expect(result.body).toEqual({ error: `Rate limit exceeded: quota ${quota}`, code: 'QUOTA_EXCEEDED', request_id: result.headers.get('x-request-id') });
}

async function spend(test: TestServer, key: string, count: number) {
  for (let i = 0; i < count; i++) expect((await test.call('/api/v1/sites', { key })).status).toBe(200);
}

describe('per-key quotas (check 9)', () => {
  it.each([
    ['daily', DAY],
    ['weekly', 7 * DAY],
    ['monthly', 30 * DAY],
  ] as const)('%s: blocks at the cap and unblocks within a minute of the window rolling past', async (quota, windowMs) => {
    const account = await server.newAccount({ plan: 'roomy' });
    const { secret } = await server.newKey(account, { quotas: { [quota]: 3 } });
    const start = server.clock.now();
    await spend(server, secret, 2);
    server.clock.set(start + windowMs / 2);
    await spend(server, secret, 1);
    expectQuotaExceeded(await server.call('/api/v1/sites', { key: secret }), quota);

    // Still inside the window of the first two: refused, and the refusals consumed nothing.
    server.clock.set(start + windowMs - 1);
    expectQuotaExceeded(await server.call('/api/v1/sites', { key: secret }), quota);
    // Counted in one-minute buckets: the first two leave at most a minute after their exact time.
    server.clock.set(start + windowMs + MINUTE);
    await spend(server, secret, 2);
    expectQuotaExceeded(await server.call('/api/v1/sites', { key: secret }), quota);
  });

  it('total: never unblocks, however much time passes', async () => {
    const account = await server.newAccount({ plan: 'roomy' });
    const { secret } = await server.newKey(account, { quotas: { total: 2 } });
    await spend(server, secret, 2);
    expectQuotaExceeded(await server.call('/api/v1/sites', { key: secret }), 'total');
    server.clock.advance(400 * DAY);
    expectQuotaExceeded(await server.call('/api/v1/sites', { key: secret }), 'total');
  });

  it('names the first quota reached, in the order total, daily, weekly, monthly', async () => {
    const account = await server.newAccount({ plan: 'roomy' });
    const { secret } = await server.newKey(account, { quotas: { monthly: 1, daily: 1 } });
    await spend(server, secret, 1);
    expectQuotaExceeded(await server.call('/api/v1/sites', { key: secret }), 'daily');
  });

  it('is not consumed by requests refused before it', async () => {
    const account = await server.newAccount({ plan: 'roomy' });
    const { key, secret } = await server.newKey(account, { quotas: { total: 1 } });
    await server.services.keys.deactivateKey(key.id, { accountId: account });
    for (let i = 0; i < 3; i++) expect((await server.call('/api/v1/sites', { key: secret })).body.code).toBe('INACTIVE_KEY');
    await server.services.keys.reactivateKey(key.id, { accountId: account });
    await spend(server, secret, 1);
    expectQuotaExceeded(await server.call('/api/v1/sites', { key: secret }), 'total');
  });

  it('starts afresh for a rotated key', async () => {
    const account = await server.newAccount({ plan: 'roomy' });
    const { key, secret } = await server.newKey(account, { quotas: { daily: 1 } });
    await spend(server, secret, 1);
    const rotated = await server.services.keys.rotateKey(key.id, { accountId: account }, { graceSeconds: 0 });
    expect(rotated.key.quotas).toEqual({ daily: 1 });
    await spend(server, rotated.secret, 1);
    expectQuotaExceeded(await server.call('/api/v1/sites', { key: rotated.secret }), 'daily');
  });
});

describe('limits across a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'keygate-restart-'));
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 12));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps quota and rate-limit counts, which live in storage with the request logs', async () => {
    const plans = { ...PLANS, tight: { per_key_per_minute: 2, account_per_second: null, account_per_minute: null } };
    let first = await startTestServer({ dataDir, clock, plans });
    const account = await first.newAccount({ plan: 'roomy' });
    const quoted = await first.newKey(account, { quotas: { daily: 3, total: 5 } });
    const limitedAccount = await first.newAccount({ plan: 'tight' });
    const limited = await first.newKey(limitedAccount);
    await spend(first, quoted.secret, 2);
    await spend(first, limited.secret, 2);
    await first.close();

    let second = await startTestServer({ dataDir, clock, plans });
    await spend(second, quoted.secret, 1);
    expectQuotaExceeded(await second.call('/api/v1/sites', { key: quoted.secret }), 'daily');
    expect((await second.call('/api/v1/sites', { key: limited.secret })).status).toBe(429);
    await second.close();

    // A day on, the daily window has rolled; the total (5) outlives the logs that fed it once they are pruned.
    clock.advance(40 * DAY);
    first = await startTestServer({ dataDir, clock, plans });
    expect(await first.services.requestLogs.prune()).toBe(7);
    await first.close();
    second = await startTestServer({ dataDir, clock, plans });
    await spend(second, quoted.secret, 2);
    expectQuotaExceeded(await second.call('/api/v1/sites', { key: quoted.secret }), 'total');
    await second.close();
  });
});
