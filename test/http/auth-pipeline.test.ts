import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/lib/key-format.js';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from './expect-error.js';
import { forwardedFor } from './forwarded-for.js';

const HOUR = 3_600_000;

let server: TestServer;
let account: string;
let secret: string;

beforeAll(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1' } });
  account = await server.newAccount({ plan: 'pro' });
  ({ secret } = await server.newKey(account));
});
afterAll(() => server.close());
// Each test starts outside the failed-attempt window, so INVALID_KEY answers in one test
// never add up to an IP block in another.
beforeEach(() => server.clock.advance(61_000));

/** The last character changed to another base62 one: a well-formed key whose checksum fails. */
function flipLastChar(key: string): string {
  return key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
}

describe('check 1: blocked client IP', () => {
  it('answers 403 IP_BLOCKED before any other check, valid key or none', async () => {
    const ip = forwardedFor('203.0.113.10');
    for (let i = 0; i < 10; i++) await server.call('/api/v1/sites', { key: generateApiKey('live'), headers: ip });
    expectError(await server.call('/api/v1/sites', { headers: ip }), 403, 'IP_BLOCKED', 'IP temporarily blocked');
    expectError(await server.call('/api/v1/sites', { key: secret, headers: ip }), 403, 'IP_BLOCKED', 'IP temporarily blocked');
  });
});

describe('check 2: missing or malformed Authorization header', () => {
  const missing = (headers: Record<string, string>) => server.call('/api/v1/sites', { headers });

  it('answers 401 MISSING_KEY without an Authorization header', async () => {
    expectError(await missing({}), 401, 'MISSING_KEY', 'Missing API Key');
  });

  it('answers 401 MISSING_KEY for another scheme', async () => {
    expectError(await missing({ authorization: 'Basic x' }), 401, 'MISSING_KEY', 'Missing API Key');
    expectError(await missing({ authorization: `Basic ${secret}` }), 401, 'MISSING_KEY', 'Missing API Key');
  });

  it('answers 401 MISSING_KEY for Bearer with no token or with two tokens', async () => {
    expectError(await missing({ authorization: 'Bearer' }), 401, 'MISSING_KEY', 'Missing API Key');
    expectError(await missing({ authorization: `Bearer ${secret} ${secret}` }), 401, 'MISSING_KEY', 'Missing API Key');
  });

  it('accepts the scheme in any case', async () => {
    for (const scheme of ['bearer', 'BEARER', 'Bearer', 'bEaReR']) {
      const { status } = await missing({ authorization: `${scheme} ${secret}` });
      expect(status, scheme).toBe(200);
    }
  });
});

describe('check 3: invalid key', () => {
  const invalid = async (key: string) => expectError(await server.call('/api/v1/sites', { key }), 401, 'INVALID_KEY', 'Invalid API Key');

  it('answers 401 INVALID_KEY for a malformed key', async () => {
    await invalid('not-a-key');
    await invalid(secret.slice(0, -1));
    await invalid(secret.replace('sk_live_', 'sk_prod_'));
  });

  it('answers 401 INVALID_KEY for a key whose checksum fails', async () => {
    await invalid(flipLastChar(secret));
  });

  it('answers 401 INVALID_KEY for a well-formed key that was never issued', async () => {
    await invalid(generateApiKey('live'));
    await invalid(generateApiKey('test'));
  });

  it('answers 401 INVALID_KEY for a revoked key, even a deactivated one', async () => {
    const issued = await server.newKey(account);
    await server.services.keys.deactivateKey(issued.key.id, 'operator');
    await server.services.keys.revokeKey(issued.key.id, 'operator');
    await invalid(issued.secret);
  });
});

describe('check 4: deactivated key', () => {
  it('answers 401 INACTIVE_KEY, and the key works again on the next request after reactivation', async () => {
    const issued = await server.newKey(account);
    await server.services.keys.deactivateKey(issued.key.id, 'operator');
    expectError(await server.call('/api/v1/sites', { key: issued.secret }), 401, 'INACTIVE_KEY', 'Inactive API Key');
    await server.services.keys.reactivateKey(issued.key.id, 'operator');
    expect((await server.call('/api/v1/sites', { key: issued.secret })).status).toBe(200);
  });

  it('answers INACTIVE_KEY for a key that is also expired', async () => {
    const issued = await server.newKey(account, { expiresAt: server.clock.now() + HOUR });
    await server.services.keys.deactivateKey(issued.key.id, 'operator');
    server.clock.advance(2 * HOUR);
    expectError(await server.call('/api/v1/sites', { key: issued.secret }), 401, 'INACTIVE_KEY', 'Inactive API Key');
    await server.services.keys.reactivateKey(issued.key.id, 'operator');
    expectError(await server.call('/api/v1/sites', { key: issued.secret }), 401, 'EXPIRED_KEY', 'Expired API Key');
  });
});

describe('check 5: expired key', () => {
  it('works until expires_at and answers 401 EXPIRED_KEY from then on', async () => {
    const issued = await server.newKey(account, { expiresAt: server.clock.now() + HOUR });
    server.clock.advance(HOUR - 1);
    expect((await server.call('/api/v1/sites', { key: issued.secret })).status).toBe(200);
    server.clock.advance(1);
    expectError(await server.call('/api/v1/sites', { key: issued.secret }), 401, 'EXPIRED_KEY', 'Expired API Key');
  });

  it('answers EXPIRED_KEY before checking restrictions', async () => {
    const issued = await server.newKey(account, { expiresAt: server.clock.now() + HOUR, restrictions: { ips: ['192.0.2.1'] } });
    server.clock.advance(2 * HOUR);
    expectError(await server.call('/api/v1/sites', { key: issued.secret }), 401, 'EXPIRED_KEY', 'Expired API Key');
  });
});

describe('check 6: restrictions', () => {
  it('answers 403 KEY_RESTRICTED before the route runs', async () => {
    const issued = await server.newKey(account, { restrictions: { endpoints: ['GET /api/v1/api-keys'] } });
    expectError(await server.call('/api/v1/sites/site_doesnotexist', { key: issued.secret }), 403, 'KEY_RESTRICTED', 'Key restricted: endpoint not allowed');
  });
});

describe('check 10: the route\'s own checks', () => {
  it('answers 403 SITE_NOT_FOUND for another account\'s site', async () => {
    const other = await server.newAccount();
    const site = await server.services.sites.createSite(other, 'other.example.com');
    expectError(await server.call(`/api/v1/sites/${site.id}`, { key: secret }), 403, 'SITE_NOT_FOUND', 'Site not found');
  });

  it('answers 403 SITE_NOT_FOUND for a site id that does not exist', async () => {
    expectError(await server.call('/api/v1/sites/site_000000000000', { key: secret }), 403, 'SITE_NOT_FOUND', 'Site not found');
  });

  it('answers 200 with the site for the account\'s own site', async () => {
    const site = await server.services.sites.createSite(account, 'mine.example.com');
    const { status, body } = await server.call(`/api/v1/sites/${site.id}`, { key: secret });
    expect(status).toBe(200);
    expect(body.site).toMatchObject({ id: site.id, domain: 'mine.example.com' });
  });
});

describe('request ids', () => {
  it('gives every answer its own request id in X-Request-Id', async () => {
    const first = await server.call('/api/v1/sites', { key: secret });
    const second = await server.call('/api/v1/sites');
    expect(first.headers.get('x-request-id')).toMatch(/^req_[0-9A-Za-z]{20}$/);
    expect(second.body.request_id).not.toBe(first.headers.get('x-request-id'));
  });
});
