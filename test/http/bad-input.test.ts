import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedKey } from '../../src/core/api-keys.js';
import type { Site } from '../../src/core/model.js';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from './expect-error.js';

const SQL = "' OR 1=1 --";

let server: TestServer;
let account: string;
let site: Site;
let issued: IssuedKey;
let secret: string;

beforeAll(async () => {
  // Many of these requests are INVALID_KEY answers; the IP block is another file's concern.
  server = await startTestServer({ env: { AUTH_FAIL_LIMIT: '1000000' } });
  account = await server.newAccount();
  site = await server.services.sites.createSite(account, 'example.com');
  issued = await server.newKey(account);
  secret = issued.secret;
});
afterAll(async () => {
  await server.close();
});

/** The UTF-8 bytes of `text` as a header value: what a client sending non-ASCII puts on the wire. */
const utf8Bytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

describe('hostile Authorization headers', () => {
  it('answers 401 INVALID_KEY for a 10 KB token', async () => {
    expectError(await server.call('/api/v1/sites', { key: 'a'.repeat(10 * 1024) }), 401, 'INVALID_KEY', 'Invalid API Key');
  });

  it('answers 401 MISSING_KEY for a 10 KB header of many words', async () => {
    expectError(await server.call('/api/v1/sites', { headers: { authorization: `Bearer ${'ab '.repeat(3500)}` } }), 401, 'MISSING_KEY', 'Missing API Key');
  });

  it('answers 401 INVALID_KEY for unicode and emoji in the key', async () => {
    const emoji = `${secret.slice(0, -2)}😀`;
    expectError(await server.call('/api/v1/sites', { headers: { authorization: utf8Bytes(`Bearer ${emoji}`) } }), 401, 'INVALID_KEY');
    expectError(await server.call('/api/v1/sites', { headers: { authorization: utf8Bytes(`Bearer sk_live_${'é'.repeat(32)}`) } }), 401, 'INVALID_KEY');
  });

  it('answers SQL-looking keys as missing or invalid', async () => {
    expectError(await server.call('/api/v1/sites', { key: SQL }), 401, 'MISSING_KEY');
    expectError(await server.call('/api/v1/sites', { key: "'OR'1'='1'--" }), 401, 'INVALID_KEY');
    expectError(await server.call('/api/v1/sites', { key: `${secret}'--` }), 401, 'INVALID_KEY');
  });
});

describe('hostile :id', () => {
  it("answers SQL-looking ids as another account's", async () => {
    const id = encodeURIComponent(SQL);
    expectError(await server.call(`/api/v1/sites/${id}`, { key: secret }), 403, 'SITE_NOT_FOUND', 'Site not found');
    expectError(await server.call(`/api/v1/api-keys/${id}`, { key: secret, method: 'DELETE' }), 403, 'KEY_NOT_FOUND');
    expectError(await server.call(`/api/v1/sites/${encodeURIComponent(`${site.id}' OR '1'='1`)}`, { key: secret }), 403, 'SITE_NOT_FOUND');
  });

  it("answers unicode ids as another account's", async () => {
    expectError(await server.call(`/api/v1/sites/${encodeURIComponent('site_😀ü')}`, { key: secret }), 403, 'SITE_NOT_FOUND');
  });

  it('answers 400 VALIDATION_ERROR naming id for an id over 100 characters', async () => {
    for (const length of [101, 5000]) {
      const answer = await server.call(`/api/v1/sites/${'x'.repeat(length)}`, { key: secret });
      expectError(answer, 400, 'VALIDATION_ERROR', /^id: /);
    }
    expectError(await server.call(`/api/v1/api-keys/${'k'.repeat(101)}`, { key: secret, method: 'DELETE' }), 400, 'VALIDATION_ERROR', /^id: /);
  });

  it('answers 400 VALIDATION_ERROR for a badly percent-encoded path', async () => {
    expectError(await server.call('/api/v1/sites/%zz', { key: secret }), 400, 'VALIDATION_ERROR');
  });
});

describe('bodies', () => {
  it('answers 413 PAYLOAD_TOO_LARGE for a body over 1 MB', async () => {
    const body = JSON.stringify({ padding: 'x'.repeat(1024 * 1024) });
    const answer = await server.call(`/api/v1/api-keys/${issued.key.id}`, {
      key: secret,
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expectError(answer, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 400 VALIDATION_ERROR for invalid JSON on DELETE', async () => {
    const answer = await server.call(`/api/v1/api-keys/${issued.key.id}`, {
      key: secret,
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: '{"oops":',
    });
    expectError(answer, 400, 'VALIDATION_ERROR', /^body: /);
  });

  it('accepts a GET with Content-Type: application/json and no body', async () => {
    const { status } = await server.call('/api/v1/sites', { key: secret, headers: { 'content-type': 'application/json' } });
    expect(status).toBe(200);
  });
});

describe('unknown routes and methods', () => {
  it('answers 404 NOT_FOUND for an unknown route, with or without a key', async () => {
    expectError(await server.call('/api/v1/nothing-here', { key: secret }), 404, 'NOT_FOUND');
    expectError(await server.call('/api/v2/sites'), 404, 'NOT_FOUND');
  });

  it('answers 404 NOT_FOUND for an unknown method on a known path', async () => {
    expectError(
      await server.call('/api/v1/sites', { key: secret, method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{}' }),
      404,
      'NOT_FOUND',
    );
    expectError(await server.call(`/api/v1/sites/${site.id}`, { key: secret, method: 'DELETE' }), 404, 'NOT_FOUND');
    expectError(
      await server.call('/api/v1/api-keys', { key: secret, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      404,
      'NOT_FOUND',
    );
  });
});

describe('after all of the above', () => {
  it("left the account's keys and sites as they were", async () => {
    const keys = await server.services.keys.listKeys(account);
    expect(keys.map(({ id, active, revokedAt }) => ({ id, active, revokedAt }))).toEqual([{ id: issued.key.id, active: true, revokedAt: null }]);
    expect((await server.services.sites.listSites(account)).map(({ id, domain }) => ({ id, domain }))).toEqual([{ id: site.id, domain: 'example.com' }]);
    // A minute on, so the many calls above no longer count against the rate limits.
    server.clock.advance(60_000);
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
  });
});
