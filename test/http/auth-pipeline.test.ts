import { describe, expect, vi } from 'vitest';
import { generateApiKey } from '../../src/lib/key-format.js';
import { serverTest } from '../fixtures.js';
import { expectError } from './expect-error.js';

const HOUR = 3_600_000;

// Each test sends from an address of its own, with an account and key of its own: the
// INVALID_KEY answers of one test never add up to an IP block in another, nor its requests
// to another's rate limits.
const test = serverTest({ env: { TRUST_PROXY: '127.0.0.1' } });
test.override('plan', 'pro');

/** The last character changed to another base62 one: a well-formed key whose checksum fails. */
function flipLastChar(key: string): string {
  return key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
}

describe('check 1: blocked client IP', () => {
  test('answers 403 IP_BLOCKED before any other check, valid key or none', async ({ call, key }) => {
    for (let i = 0; i < 10; i++) expectError(await call('/api/v1/sites', { key: generateApiKey('live') }), 401, 'INVALID_KEY', 'Invalid API Key');
    expectError(await call('/api/v1/sites'), 403, 'IP_BLOCKED', 'IP temporarily blocked');
    expectError(await call('/api/v1/sites', { key: key.secret }), 403, 'IP_BLOCKED', 'IP temporarily blocked');
  });
});

describe('check 2: missing or malformed Authorization header', () => {
  test('answers 401 MISSING_KEY without an Authorization header', async ({ call }) => {
    expectError(await call('/api/v1/sites'), 401, 'MISSING_KEY', 'Missing API Key');
  });

  test('answers 401 MISSING_KEY for another scheme', async ({ call, key }) => {
    expectError(await call('/api/v1/sites', { headers: { authorization: 'Basic x' } }), 401, 'MISSING_KEY', 'Missing API Key');
    expectError(await call('/api/v1/sites', { headers: { authorization: `Basic ${key.secret}` } }), 401, 'MISSING_KEY', 'Missing API Key');
  });

  test('answers 401 MISSING_KEY for Bearer with no token or with two tokens', async ({ call, key }) => {
    expectError(await call('/api/v1/sites', { headers: { authorization: 'Bearer' } }), 401, 'MISSING_KEY', 'Missing API Key');
    expectError(await call('/api/v1/sites', { headers: { authorization: `Bearer ${key.secret} ${key.secret}` } }), 401, 'MISSING_KEY', 'Missing API Key');
  });

  test('accepts the scheme in any case', async ({ call, key }) => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer', 'bEaReR']) {
      const { status } = await call('/api/v1/sites', { headers: { authorization: `${scheme} ${key.secret}` } });
      expect(status, scheme).toBe(200);
    }
  });
});

describe('check 3: invalid key', () => {
  const invalid = test.extend('invalid', ({ call }) => async (key: string) => {
    expectError(await call('/api/v1/sites', { key }), 401, 'INVALID_KEY', 'Invalid API Key');
  });

  invalid('answers 401 INVALID_KEY for a malformed key', async ({ invalid, key }) => {
    await invalid('not-a-key');
    await invalid(key.secret.slice(0, -1));
    await invalid(key.secret.replace('sk_live_', 'sk_prod_'));
  });

  invalid('answers 401 INVALID_KEY for a key whose checksum fails', async ({ invalid, key }) => {
    await invalid(flipLastChar(key.secret));
  });

  invalid('asks storage for a well-formed key it has not cached, never for one whose checksum fails', async ({ invalid, server, key }) => {
    const lookups = vi.spyOn(server.services.store.keys, 'findByHash');
    await invalid(flipLastChar(key.secret));
    expect(lookups).not.toHaveBeenCalled();
    await invalid(generateApiKey('live'));
    expect(lookups).toHaveBeenCalledTimes(1);
  });

  invalid('answers 401 INVALID_KEY for a well-formed key that was never issued', async ({ invalid }) => {
    await invalid(generateApiKey('live'));
    await invalid(generateApiKey('test'));
  });

  invalid('answers 401 INVALID_KEY for a revoked key, even a deactivated one', async ({ invalid, server, key }) => {
    await server.services.keys.deactivateKey(key.key.id, 'operator');
    await server.services.keys.revokeKey(key.key.id, 'operator');
    await invalid(key.secret);
  });
});

describe('check 4: deactivated key', () => {
  test('answers 401 INACTIVE_KEY, and the key works again on the next request after reactivation', async ({ call, server, key }) => {
    await server.services.keys.deactivateKey(key.key.id, 'operator');
    expectError(await call('/api/v1/sites', { key: key.secret }), 401, 'INACTIVE_KEY', 'Inactive API Key');
    await server.services.keys.reactivateKey(key.key.id, 'operator');
    expect((await call('/api/v1/sites', { key: key.secret })).status).toBe(200);
  });

  test('answers INACTIVE_KEY for a key that is also expired', async ({ call, server, account }) => {
    const issued = await server.newKey(account, { expiresAt: server.clock.now() + HOUR });
    await server.services.keys.deactivateKey(issued.key.id, 'operator');
    server.clock.advance(2 * HOUR);
    expectError(await call('/api/v1/sites', { key: issued.secret }), 401, 'INACTIVE_KEY', 'Inactive API Key');
    await server.services.keys.reactivateKey(issued.key.id, 'operator');
    expectError(await call('/api/v1/sites', { key: issued.secret }), 401, 'EXPIRED_KEY', 'Expired API Key');
  });
});

describe('check 5: expired key', () => {
  test('works until expires_at and answers 401 EXPIRED_KEY from then on', async ({ call, server, account }) => {
    const issued = await server.newKey(account, { expiresAt: server.clock.now() + HOUR });
    server.clock.advance(HOUR - 1);
    expect((await call('/api/v1/sites', { key: issued.secret })).status).toBe(200);
    server.clock.advance(1);
    expectError(await call('/api/v1/sites', { key: issued.secret }), 401, 'EXPIRED_KEY', 'Expired API Key');
  });

  test('answers EXPIRED_KEY before checking restrictions', async ({ call, server, account }) => {
    const issued = await server.newKey(account, { expiresAt: server.clock.now() + HOUR, restrictions: { ips: ['192.0.2.1'] } });
    server.clock.advance(2 * HOUR);
    expectError(await call('/api/v1/sites', { key: issued.secret }), 401, 'EXPIRED_KEY', 'Expired API Key');
  });
});

describe('check 6: restrictions', () => {
  test('answers 403 KEY_RESTRICTED before the route runs', async ({ call, server, account }) => {
    const issued = await server.newKey(account, { restrictions: { endpoints: ['GET /api/v1/api-keys'] } });
    expectError(await call('/api/v1/sites/site_doesnotexist', { key: issued.secret }), 403, 'KEY_RESTRICTED', 'Key restricted: endpoint not allowed');
  });
});

describe("check 10: the route's own checks", () => {
  test("answers 403 SITE_NOT_FOUND for another account's site", async ({ call, server, key }) => {
    const other = await server.newAccount();
    const site = await server.services.sites.createSite(other, 'other.example.com');
    expectError(await call(`/api/v1/sites/${site.id}`, { key: key.secret }), 403, 'SITE_NOT_FOUND', 'Site not found');
  });

  test('answers 403 SITE_NOT_FOUND for a site id that does not exist', async ({ call, key }) => {
    expectError(await call('/api/v1/sites/site_000000000000', { key: key.secret }), 403, 'SITE_NOT_FOUND', 'Site not found');
  });

  test("answers 200 with the site for the account's own site", async ({ call, server, account, key }) => {
    const site = await server.services.sites.createSite(account, 'mine.example.com');
    const { status, body } = await call(`/api/v1/sites/${site.id}`, { key: key.secret });
    expect(status).toBe(200);
    expect(body.site).toMatchObject({ id: site.id, domain: 'mine.example.com', key: site.siteKey, events_this_month: 0 });
  });
});

describe('request ids', () => {
  test('gives every answer its own request id in X-Request-Id', async ({ call, key }) => {
    const first = await call('/api/v1/sites', { key: key.secret });
    const second = await call('/api/v1/sites');
    expect(first.headers.get('x-request-id')).toMatch(/^req_[0-9A-Za-z]{20}$/);
    expect(second.body.request_id).toMatch(/^req_[0-9A-Za-z]{20}$/);
    expect(second.body.request_id).not.toBe(first.headers.get('x-request-id'));
  });
});
