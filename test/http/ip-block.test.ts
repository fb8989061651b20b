import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/lib/key-format.js';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from './expect-error.js';
import { forwardedFor } from './forwarded-for.js';

const MINUTE = 60_000;

/** `count` INVALID_KEY attempts from `ip`, each checked to be answered INVALID_KEY. */
async function failAuth(server: TestServer, ip: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    expectError(await server.call('/api/v1/sites', { key: generateApiKey('live'), headers: forwardedFor(ip) }), 401, 'INVALID_KEY', 'Invalid API Key');
  }
}

async function expectBlocked(server: TestServer, ip: string, key?: string): Promise<void> {
  expectError(await server.call('/api/v1/sites', { key, headers: forwardedFor(ip) }), 403, 'IP_BLOCKED', 'IP temporarily blocked');
}

async function expectServed(server: TestServer, ip: string, key: string): Promise<void> {
  const { status, text } = await server.call('/api/v1/sites', { key, headers: forwardedFor(ip) });
  expect(status, text).toBe(200);
}

describe('with the default limits (10 failures in 60 s, 15 min block)', () => {
  let server: TestServer;
  let account: string;
  let secret: string;
  beforeAll(async () => {
    server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1' } });
    account = await server.newAccount({ plan: 'pro' });
    ({ secret } = await server.newKey(account));
  });
  afterAll(() => server.close());

  it('still answers the 10th failure INVALID_KEY and blocks the next request, even with a valid key', async () => {
    await failAuth(server, '203.0.113.1', 10);
    await expectBlocked(server, '203.0.113.1', secret);
    await expectBlocked(server, '203.0.113.1');
  });

  it('does not block another IP', async () => {
    await failAuth(server, '203.0.113.2', 10);
    await expectServed(server, '203.0.113.3', secret);
  });

  it('keeps /healthz, /readyz and unknown-route 404s working for a blocked IP', async () => {
    await failAuth(server, '203.0.113.4', 10);
    await expectBlocked(server, '203.0.113.4', secret);
    for (const path of ['/healthz', '/readyz']) {
      expect((await server.call(path, { headers: forwardedFor('203.0.113.4') })).status, path).toBe(200);
    }
    expectError(await server.call('/api/v1/nothing-here', { key: secret, headers: forwardedFor('203.0.113.4') }), 404, 'NOT_FOUND');
  });

  it('does not reset the count on a success', async () => {
    await failAuth(server, '203.0.113.5', 5);
    await expectServed(server, '203.0.113.5', secret);
    await failAuth(server, '203.0.113.5', 5);
    await expectBlocked(server, '203.0.113.5', secret);
  });

  it('lifts the block after 15 minutes, not before', async () => {
    await failAuth(server, '203.0.113.6', 10);
    server.clock.advance(14 * MINUTE);
    await expectBlocked(server, '203.0.113.6', secret);
    server.clock.advance(MINUTE + 1000);
    await expectServed(server, '203.0.113.6', secret);
  });

  it('forgets failures older than 60 s', async () => {
    await failAuth(server, '203.0.113.7', 9);
    server.clock.advance(MINUTE + 1);
    await failAuth(server, '203.0.113.7', 9);
    await expectServed(server, '203.0.113.7', secret);
  });

  it('counts only INVALID_KEY answers, not other refusals', async () => {
    const ip = forwardedFor('203.0.113.8');
    const inactive = await server.newKey(account);
    await server.services.keys.deactivateKey(inactive.key.id, 'operator');
    const expiring = await server.newKey(account, { expiresAt: server.clock.now() + 1000 });
    const restricted = await server.newKey(account, { restrictions: { ips: ['192.0.2.1'] } });
    server.clock.advance(1000);
    for (let i = 0; i < 10; i++) {
      expectError(await server.call('/api/v1/sites', { headers: ip }), 401, 'MISSING_KEY');
      expectError(await server.call('/api/v1/sites', { headers: { ...ip, authorization: 'Basic x' } }), 401, 'MISSING_KEY');
      expectError(await server.call('/api/v1/sites', { key: inactive.secret, headers: ip }), 401, 'INACTIVE_KEY');
      expectError(await server.call('/api/v1/sites', { key: expiring.secret, headers: ip }), 401, 'EXPIRED_KEY');
      expectError(await server.call('/api/v1/sites', { key: restricted.secret, headers: ip }), 403, 'KEY_RESTRICTED');
      expectError(await server.call('/api/v1/sites/site_000000000000', { key: secret, headers: ip }), 403, 'SITE_NOT_FOUND');
      expectError(await server.call('/api/v1/nothing-here', { headers: ip }), 404, 'NOT_FOUND');
    }
    await failAuth(server, '203.0.113.8', 10);
    await expectBlocked(server, '203.0.113.8', secret);
  });
});

describe('with AUTH_FAIL_LIMIT=3 and AUTH_BLOCK_S=60', () => {
  let server: TestServer;
  let secret: string;
  beforeAll(async () => {
    server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1', AUTH_FAIL_LIMIT: '3', AUTH_BLOCK_S: '60' } });
    ({ secret } = await server.newKey(await server.newAccount()));
  });
  afterAll(() => server.close());

  it('blocks after the 3rd failure for 60 s', async () => {
    await failAuth(server, '198.51.100.1', 3);
    await expectBlocked(server, '198.51.100.1', secret);
    server.clock.advance(MINUTE - 1);
    await expectBlocked(server, '198.51.100.1', secret);
    server.clock.advance(1);
    await expectServed(server, '198.51.100.1', secret);
  });
});

describe('without TRUST_PROXY', () => {
  let server: TestServer;
  let secret: string;
  beforeAll(async () => {
    server = await startTestServer();
    ({ secret } = await server.newKey(await server.newAccount()));
  });
  afterAll(() => server.close());

  it('ignores X-Forwarded-For and counts every failure against the socket address', async () => {
    for (let i = 1; i <= 10; i++) await failAuth(server, `203.0.113.${i}`, 1);
    await expectBlocked(server, '203.0.113.99', secret);
    await expectBlocked(server, '127.0.0.1', secret);
  });
});
