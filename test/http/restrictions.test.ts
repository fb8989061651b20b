import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Restrictions } from '../../src/core/model.js';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from './expect-error.js';
import { forwardedFor } from './forwarded-for.js';

let server: TestServer;
let account: string;
let siteId: string;

beforeAll(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1' } });
  account = await server.newAccount({ plan: 'pro' });
  siteId = (await server.services.sites.createSite(account, 'example.com')).id;
});
afterAll(() => server.close());
// Revoked keys leave the plan's key limit, so every test can make the keys it needs.
afterEach(async () => {
  for (const key of await server.services.keys.listKeys(account)) await server.services.keys.revokeKey(key.id, 'operator');
});

/** A key with `restrictions`, and a function that asks GET `path` with it and extra headers. */
async function restrictedKey(restrictions: Restrictions) {
  const { secret } = await server.newKey(account, { restrictions });
  return (headers: Record<string, string>, path = '/api/v1/sites') => server.call(path, { key: secret, headers });
}

async function expectAdmitted(answer: Promise<{ status: number; text: string }>): Promise<void> {
  const { status, text } = await answer;
  expect(status, text).toBe(200);
}

describe('ip restriction', () => {
  const refused = 'Key restricted: client IP address not allowed';

  it('admits addresses inside an IPv4 CIDR and refuses the rest', async () => {
    const call = await restrictedKey({ ips: ['198.51.100.0/24'] });
    await expectAdmitted(call(forwardedFor('198.51.100.0')));
    await expectAdmitted(call(forwardedFor('198.51.100.255')));
    expectError(await call(forwardedFor('198.51.101.1')), 403, 'KEY_RESTRICTED', refused);
    expectError(await call({}), 403, 'KEY_RESTRICTED', refused);
  });

  it('admits a single IPv4 address exactly', async () => {
    const call = await restrictedKey({ ips: ['203.0.113.7'] });
    await expectAdmitted(call(forwardedFor('203.0.113.7')));
    expectError(await call(forwardedFor('203.0.113.8')), 403, 'KEY_RESTRICTED', refused);
  });

  it('admits IPv6 addresses and CIDRs', async () => {
    const call = await restrictedKey({ ips: ['2001:db8:1::/48', '2001:db8:ffff::1'] });
    await expectAdmitted(call(forwardedFor('2001:db8:1:abcd::42')));
    await expectAdmitted(call(forwardedFor('2001:db8:ffff::1')));
    expectError(await call(forwardedFor('2001:db8:2::1')), 403, 'KEY_RESTRICTED', refused);
    expectError(await call(forwardedFor('198.51.100.1')), 403, 'KEY_RESTRICTED', refused);
  });

  it('treats an IPv4-mapped IPv6 client as its IPv4 address', async () => {
    const call = await restrictedKey({ ips: ['198.51.100.0/24'] });
    await expectAdmitted(call(forwardedFor('::ffff:198.51.100.9')));
    expectError(await call(forwardedFor('::ffff:198.51.101.9')), 403, 'KEY_RESTRICTED', refused);
  });

  it('matches an IPv4-mapped IPv6 entry against the IPv4 client', async () => {
    const call = await restrictedKey({ ips: ['::ffff:198.51.100.7'] });
    await expectAdmitted(call(forwardedFor('198.51.100.7')));
    expectError(await call(forwardedFor('198.51.100.8')), 403, 'KEY_RESTRICTED', refused);
  });
});

describe('referrer restriction', () => {
  const refused = 'Key restricted: referrer not allowed';

  it('admits the exact origin from the Origin header', async () => {
    const call = await restrictedKey({ referrers: ['https://app.example.com'] });
    await expectAdmitted(call({ origin: 'https://app.example.com' }));
    expectError(await call({ origin: 'https://other.example.com' }), 403, 'KEY_RESTRICTED', refused);
  });

  it('treats scheme and port as significant', async () => {
    const call = await restrictedKey({ referrers: ['https://app.example.com', 'https://api.example.com:8443'] });
    expectError(await call({ origin: 'http://app.example.com' }), 403, 'KEY_RESTRICTED', refused);
    expectError(await call({ origin: 'https://app.example.com:8443' }), 403, 'KEY_RESTRICTED', refused);
    await expectAdmitted(call({ origin: 'https://api.example.com:8443' }));
    expectError(await call({ origin: 'https://api.example.com' }), 403, 'KEY_RESTRICTED', refused);
  });

  it('matches a wildcard against subdomains at any depth but not the bare domain', async () => {
    const call = await restrictedKey({ referrers: ['https://*.example.com'] });
    await expectAdmitted(call({ origin: 'https://sub.example.com' }));
    await expectAdmitted(call({ origin: 'https://a.b.example.com' }));
    expectError(await call({ origin: 'https://example.com' }), 403, 'KEY_RESTRICTED', refused);
    expectError(await call({ origin: 'https://badexample.com' }), 403, 'KEY_RESTRICTED', refused);
    expectError(await call({ origin: 'https://sub.example.com.evil.test' }), 403, 'KEY_RESTRICTED', refused);
    expectError(await call({ origin: 'http://sub.example.com' }), 403, 'KEY_RESTRICTED', refused);
  });

  it('uses the Referer\'s origin when there is no Origin header', async () => {
    const call = await restrictedKey({ referrers: ['https://app.example.com'] });
    await expectAdmitted(call({ referer: 'https://app.example.com/reports/weekly?x=1' }));
    expectError(await call({ referer: 'https://other.example.com/reports' }), 403, 'KEY_RESTRICTED', refused);
  });

  it('prefers the Origin header over the Referer', async () => {
    const call = await restrictedKey({ referrers: ['https://app.example.com'] });
    expectError(await call({ origin: 'https://other.example.com', referer: 'https://app.example.com/' }), 403, 'KEY_RESTRICTED', refused);
    await expectAdmitted(call({ origin: 'https://app.example.com', referer: 'https://other.example.com/' }));
  });

  it('refuses a request with neither Origin nor Referer', async () => {
    const call = await restrictedKey({ referrers: ['https://app.example.com'] });
    expectError(await call({}), 403, 'KEY_RESTRICTED', refused);
  });
});

describe('endpoint restriction', () => {
  const refused = 'Key restricted: endpoint not allowed';

  it('admits exactly the listed route templates', async () => {
    const call = await restrictedKey({ endpoints: ['GET /api/v1/sites'] });
    await expectAdmitted(call({}));
    expectError(await call({}, `/api/v1/sites/${siteId}`), 403, 'KEY_RESTRICTED', refused);
    expectError(await call({}, '/api/v1/api-keys'), 403, 'KEY_RESTRICTED', refused);
  });

  it('matches a parameterised route by its template', async () => {
    const call = await restrictedKey({ endpoints: ['GET /api/v1/sites/:id'] });
    await expectAdmitted(call({}, `/api/v1/sites/${siteId}`));
    expectError(await call({}), 403, 'KEY_RESTRICTED', refused);
  });

  it('treats the method as part of the endpoint', async () => {
    const { key, secret } = await server.newKey(account, { restrictions: { endpoints: ['GET /api/v1/api-keys'] } });
    expectError(await server.call(`/api/v1/api-keys/${key.id}`, { key: secret, method: 'DELETE' }), 403, 'KEY_RESTRICTED', refused);
    expect((await server.call('/api/v1/api-keys', { key: secret })).status).toBe(200);
  });
});

describe('several restrictions', () => {
  it('requires every one of them', async () => {
    const call = await restrictedKey({ ips: ['198.51.100.0/24'], referrers: ['https://app.example.com'], endpoints: ['GET /api/v1/sites'] });
    const good = { ...forwardedFor('198.51.100.1'), origin: 'https://app.example.com' };
    await expectAdmitted(call(good));
    expectError(await call({ ...good, ...forwardedFor('192.0.2.1') }), 403, 'KEY_RESTRICTED', 'Key restricted: client IP address not allowed');
    expectError(await call({ ...good, origin: 'https://evil.test' }), 403, 'KEY_RESTRICTED', 'Key restricted: referrer not allowed');
    expectError(await call(good, `/api/v1/sites/${siteId}`), 403, 'KEY_RESTRICTED', 'Key restricted: endpoint not allowed');
  });
});
