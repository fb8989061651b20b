import { describe, expect } from 'vitest';
import type { Restrictions } from '../../src/core/model.js';
import { serverTest } from '../fixtures.js';
import { expectError } from './expect-error.js';
import { forwardedFor } from './forwarded-for.js';

// Each test has its own account (with a site) and keys: none counts toward another's key limit.
const test = serverTest({ env: { TRUST_PROXY: '127.0.0.1' } })
  .extend('siteId', async ({ server, account }) => (await server.services.sites.createSite(account, 'example.com')).id)
  /** A key with `restrictions`, and a function that asks GET `path` with it and extra headers. */
  .extend('restrictedKey', ({ server, account }) => async (restrictions: Restrictions) => {
    const { secret } = await server.newKey(account, { restrictions });
    return (headers: Record<string, string>, path = '/api/v1/sites') => server.call(path, { key: secret, headers });
  });
test.override('plan', 'pro');

async function expectAdmitted(answer: Promise<{ status: number; text: string }>): Promise<void> {
  const { status, text } = await answer;
  expect(status, text).toBe(200);
}

describe('ip restriction', () => {
  const refused = 'Key restricted: client IP address not allowed';

  test('admits addresses inside an IPv4 CIDR and refuses the rest', async ({ restrictedKey }) => {
    const call = await restrictedKey({ ips: ['198.51.100.0/24'] });
    await expectAdmitted(call(forwardedFor('198.51.100.0')));
    await expectAdmitted(call(forwardedFor('198.51.100.255')));
    expectError(await call(forwardedFor('198.51.101.1')), 403, 'KEY_RESTRICTED', refused);
    expectError(await call({}), 403, 'KEY_RESTRICTED', refused);
  });

  test('admits a single IPv4 address exactly', async ({ restrictedKey }) => {
    const call = await restrictedKey({ ips: ['203.0.113.7'] });
    await expectAdmitted(call(forwardedFor('203.0.113.7')));
    expectError(await call(forwardedFor('203.0.113.8')), 403, 'KEY_RESTRICTED', refused);
  });

  test('admits IPv6 addresses and CIDRs', async ({ restrictedKey }) => {
    const call = await restrictedKey({ ips: ['2001:db8:1::/48', '2001:db8:ffff::1'] });
    await expectAdmitted(call(forwardedFor('2001:db8:1:abcd::42')));
    await expectAdmitted(call(forwardedFor('2001:db8:ffff::1')));
    expectError(await call(forwardedFor('2001:db8:2::1')), 403, 'KEY_RESTRICTED', refused);
    expectError(await call(forwardedFor('198.51.100.1')), 403, 'KEY_RESTRICTED', refused);
  });

  test('treats an IPv4-mapped IPv6 client as its IPv4 address', async ({ restrictedKey }) => {
    const call = await restrictedKey({ ips: ['198.51.100.0/24'] });
    await expectAdmitted(call(forwardedFor('::ffff:198.51.100.9')));
    expectError(await call(forwardedFor('::ffff:198.51.101.9')), 403, 'KEY_RESTRICTED', refused);
  });

  test('matches an IPv4-mapped IPv6 entry against the IPv4 client', async ({ restrictedKey }) => {
    const call = await restrictedKey({ ips: ['::ffff:198.51.100.7'] });
    await expectAdmitted(call(forwardedFor('198.51.100.7')));
    expectError(await call(forwardedFor('198.51.100.8')), 403, 'KEY_RESTRICTED', refused);
  });
});

describe('referrer restriction', () => {
  const refused = 'Key restricted: referrer not allowed';

  test('admits the exact origin from the Origin header', async ({ restrictedKey }) => {
    const call = await restrictedKey({ referrers: ['https://app.example.com'] });
    await expectAdmitted(call({ origin: 'https://app.example.com' }));
    expectError(await call({ origin: 'https://other.example.com' }), 403, 'KEY_RESTRICTED', refused);
  });

  test('treats scheme and port as significant', async ({ restrictedKey }) => {
    const call = await restrictedKey({ referrers: ['https://app.example.com', 'https://api.example.com:8443'] });
    expectError(await call({ origin: 'http://app.example.com' }), 403, 'KEY_RESTRICTED', refused);
    expectError(await call({ origin: 'https://app.example.com:8443' }), 403, 'KEY_RESTRICTED', refused);
    await expectAdmitted(call({ origin: 'https://api.example.com:8443' }));
    expectError(await call({ origin: 'https://api.example.com' }), 403, 'KEY_RESTRICTED', refused);
  });

  test('matches a wildcard against subdomains at any depth but not the bare domain', async ({ restrictedKey }) => {
    const call = await restrictedKey({ referrers: ['https://*.example.com'] });
    await expectAdmitted(call({ origin: 'https://sub.example.com' }));
    await expectAdmitted(call({ origin: 'https://a.b.example.com' }));
    expectError(await call({ origin: 'https://example.com' }), 403, 'KEY_RESTRICTED', refused);
    expectError(await call({ origin: 'https://badexample.com' }), 403, 'KEY_RESTRICTED', refused);
    expectError(await call({ origin: 'https://sub.example.com.evil.test' }), 403, 'KEY_RESTRICTED', refused);
    expectError(await call({ origin: 'http://sub.example.com' }), 403, 'KEY_RESTRICTED', refused);
  });

  test("uses the Referer's origin when there is no Origin header", async ({ restrictedKey }) => {
    const call = await restrictedKey({ referrers: ['https://app.example.com'] });
    await expectAdmitted(call({ referer: 'https://app.example.com/reports/weekly?x=1' }));
    expectError(await call({ referer: 'https://other.example.com/reports' }), 403, 'KEY_RESTRICTED', refused);
  });

  test('prefers the Origin header over the Referer', async ({ restrictedKey }) => {
    const call = await restrictedKey({ referrers: ['https://app.example.com'] });
    expectError(await call({ origin: 'https://other.example.com', referer: 'https://app.example.com/' }), 403, 'KEY_RESTRICTED', refused);
    await expectAdmitted(call({ origin: 'https://app.example.com', referer: 'https://other.example.com/' }));
  });

  test('refuses a request with neither Origin nor Referer', async ({ restrictedKey }) => {
    const call = await restrictedKey({ referrers: ['https://app.example.com'] });
    expectError(await call({}), 403, 'KEY_RESTRICTED', refused);
  });
});

describe('endpoint restriction', () => {
  const refused = 'Key restricted: endpoint not allowed';

  test('admits exactly the listed route templates', async ({ siteId, restrictedKey }) => {
    const call = await restrictedKey({ endpoints: ['GET /api/v1/sites'] });
    await expectAdmitted(call({}));
    expectError(await call({}, `/api/v1/sites/${siteId}`), 403, 'KEY_RESTRICTED', refused);
    expectError(await call({}, '/api/v1/api-keys'), 403, 'KEY_RESTRICTED', refused);
  });

  test('matches a parameterised route by its template', async ({ siteId, restrictedKey }) => {
    const call = await restrictedKey({ endpoints: ['GET /api/v1/sites/:id'] });
    await expectAdmitted(call({}, `/api/v1/sites/${siteId}`));
    expectError(await call({}), 403, 'KEY_RESTRICTED', refused);
  });

  test('treats the method as part of the endpoint', async ({ server, account }) => {
    const { key, secret } = await server.newKey(account, { restrictions: { endpoints: ['GET /api/v1/api-keys'] } });
    expectError(await server.call(`/api/v1/api-keys/${key.id}`, { key: secret, method: 'DELETE' }), 403, 'KEY_RESTRICTED', refused);
    expect((await server.call('/api/v1/api-keys', { key: secret })).status).toBe(200);
  });
});

describe('several restrictions', () => {
  test('requires every one of them', async ({ siteId, restrictedKey }) => {
    const call = await restrictedKey({ ips: ['198.51.100.0/24'], referrers: ['https://app.example.com'], endpoints: ['GET /api/v1/sites'] });
    const good = { ...forwardedFor('198.51.100.1'), origin: 'https://app.example.com' };
    await expectAdmitted(call(good));
    expectError(await call({ ...good, ...forwardedFor('192.0.2.1') }), 403, 'KEY_RESTRICTED', 'Key restricted: client IP address not allowed');
    expectError(await call({ ...good, origin: 'https://evil.test' }), 403, 'KEY_RESTRICTED', 'Key restricted: referrer not allowed');
    expectError(await call(good, `/api/v1/sites/${siteId}`), 403, 'KEY_RESTRICTED', 'Key restricted: endpoint not allowed');
  });
});
