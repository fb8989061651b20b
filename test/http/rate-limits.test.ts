import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallResult, startTestServer, type TestServer } from '../harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    plans: {
      per_key: { per_key_per_minute: 5, account_per_second: null, account_per_minute: null },
      per_account: { per_key_per_minute: null, account_per_second: 3, account_per_minute: 5 },
    },
  });
});
afterAll(() => server.close());

const SECOND = 1000;

function expectRateLimited(result: CallResult, message: string, retryAfter: number) {
  expect(result.status).toBe(429);
  expect(result.body).toEqual({ error: message, code: 'RATE_LIMITED', request_id: result.headers.get('x-request-id') });
  expect(result.headers.get('retry-after')).toBe(String(retryAfter));
}

function rateLimitHeaders(result: CallResult) {
  return {
    policy: result.headers.get('ratelimit-policy'),
    limit: result.headers.get('ratelimit'),
    xLimit: result.headers.get('x-ratelimit-limit'),
    xRemaining: result.headers.get('x-ratelimit-remaining'),
    xReset: result.headers.get('x-ratelimit-reset'),
  };
}

async function keyOn(plan: string) {
  const account = await server.newAccount({ plan });
  return { account, ...(await server.newKey(account)) };
}

describe('the per-key limit (check 8)', () => {
  it('admits N requests in any rolling 60 s and counts down in the headers', async () => {
    const { secret } = await keyOn('per_key');
    const start = server.clock.now();
    for (let i = 0; i < 5; i++) {
      const result = await server.call('/api/v1/sites', { key: secret });
      expect(result.status).toBe(200);
      // The first accepted request is the oldest in the window: a slot frees 60 s after it.
      expect(rateLimitHeaders(result)).toEqual({
        policy: '"per-key";q=5;w=60',
        limit: `"per-key";r=${4 - i};t=${60 - i}`,
        xLimit: '5',
        xRemaining: String(4 - i),
        xReset: String(Math.floor(server.clock.now() / 1000) + 60 - i),
      });
      server.clock.advance(SECOND);
    }

    server.clock.set(start + 10 * SECOND);
    const refused = await server.call('/api/v1/sites', { key: secret });
    expectRateLimited(refused, 'Too many requests: this key is limited to 5 requests per minute', 50);
    expect(rateLimitHeaders(refused)).toMatchObject({ limit: '"per-key";r=0;t=50', xRemaining: '0' });

    server.clock.set(start + 60 * SECOND - 1);
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(429);
    // Exactly 60 s after the first request its slot frees, and only that one: the refusals consumed nothing.
    server.clock.set(start + 60 * SECOND);
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(429);
    server.clock.set(start + 61 * SECOND);
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
  });

  it('is counted per key: a second key of the account has its own allowance', async () => {
    const { account, secret } = await keyOn('per_key');
    const other = await server.newKey(account);
    for (let i = 0; i < 5; i++) expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(429);
    expect((await server.call('/api/v1/sites', { key: other.secret })).status).toBe(200);
  });

  it('holds under concurrent requests: exactly N of a burst are admitted', async () => {
    const { secret } = await keyOn('per_key');
    const burst = await Promise.all(Array.from({ length: 20 }, () => server.call('/api/v1/sites', { key: secret })));
    expect(burst.filter((result) => result.status === 200)).toHaveLength(5);
    expect(burst.filter((result) => result.status === 429)).toHaveLength(15);
  });

  it('applies to test keys too, which run the whole pipeline', async () => {
    const account = await server.newAccount({ plan: 'per_key' });
    const { secret } = await server.newKey(account, { mode: 'test' });
    for (let i = 0; i < 5; i++) expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    expectRateLimited(await server.call('/api/v1/sites', { key: secret }), 'Too many requests: this key is limited to 5 requests per minute', 60);
  });

  it('sends the headers on refusals after authentication, and none before it', async () => {
    const { account, secret } = await keyOn('per_key');
    const restricted = await server.newKey(account, { restrictions: { ips: ['192.0.2.1'] } });
    expect(rateLimitHeaders(await server.call('/api/v1/sites/site_nope', { key: secret }))).toMatchObject({ policy: '"per-key";q=5;w=60', xRemaining: '4' });
    expect(rateLimitHeaders(await server.call('/api/v1/sites', { key: restricted.secret })).policy).toBeNull();
    expect(rateLimitHeaders(await server.call('/api/v1/sites', { key: 'sk_live_nonsense' })).policy).toBeNull();
  });
});

describe('the account-wide limits (check 7)', () => {
  it("holds per second and per minute across all the account's keys, per-second first", async () => {
    const { account, secret } = await keyOn('per_account');
    const other = await server.newKey(account);
    const start = server.clock.now();
    for (const key of [secret, other.secret, secret]) expect((await server.call('/api/v1/sites', { key })).status).toBe(200);
    expectRateLimited(await server.call('/api/v1/sites', { key: other.secret }), 'You have exceeded the per-second rate limit on your subscription', 1);

    server.clock.set(start + SECOND);
    for (const key of [secret, other.secret]) expect((await server.call('/api/v1/sites', { key })).status).toBe(200);
    // Five accepted in this minute; the oldest leaves at start + 60 s, 59 s from now.
    expectRateLimited(await server.call('/api/v1/sites', { key: secret }), 'You have exceeded the per-minute rate limit on your subscription', 59);

    server.clock.set(start + 60 * SECOND);
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
  });

  it('does not touch other accounts', async () => {
    const busy = await keyOn('per_account');
    const quiet = await keyOn('per_account');
    for (let i = 0; i < 3; i++) await server.call('/api/v1/sites', { key: busy.secret });
    expect((await server.call('/api/v1/sites', { key: busy.secret })).status).toBe(429);
    expect((await server.call('/api/v1/sites', { key: quiet.secret })).status).toBe(200);
  });

  it('follows a plan change on the very next request', async () => {
    const { account, secret } = await keyOn('per_account');
    for (let i = 0; i < 3; i++) await server.call('/api/v1/sites', { key: secret });
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(429);
    await server.services.accounts.setPlan(account, 'pro');
    const result = await server.call('/api/v1/sites', { key: secret });
    expect(result.status).toBe(200);
    expect(result.headers.get('ratelimit-policy')).toBe('"per-key";q=600;w=60');
  });
});

describe('the free plan', () => {
  it('allows 10 requests a second across the account, then 60 per key a minute', async () => {
    const { secret } = await keyOn('free');
    const statuses: number[] = [];
    for (let second = 0; second < 7; second++) {
      for (let i = 0; i < 11; i++) statuses.push((await server.call('/api/v1/sites', { key: secret })).status);
      server.clock.advance(SECOND);
    }
    // Each second: 10 admitted and the 11th refused by the account, until the key's 60 are spent.
    expect(statuses.filter((status) => status === 200)).toHaveLength(60);
    expect(statuses.slice(0, 11)).toEqual([...Array(10).fill(200), 429]);
    const last = await server.call('/api/v1/sites', { key: secret });
    expectRateLimited(last, 'Too many requests: this key is limited to 60 requests per minute', 53);
  });
});
