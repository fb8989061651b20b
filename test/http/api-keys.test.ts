import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestKeyList, RestKeyRevoked } from '../../src/http/responses.js';
import { hashApiKey } from '../../src/lib/key-format.js';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from './expect-error.js';

const DAY = 86_400_000;
const KEY_FIELDS = ['id', 'name', 'category', 'mode', 'prefix', 'last4', 'active', 'expires_at', 'created_at', 'last_used_at'];

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const iso = (ms: number) => new Date(ms).toISOString();

describe('GET /api/v1/api-keys', () => {
  it("lists the account's keys in SPEC §5's exact shape, null for unset times", async () => {
    const account = await server.newAccount();
    const caller = await server.newKey(account, { name: 'Production Server' });
    const expiresAt = server.clock.now() + 30 * DAY;
    const staging = await server.newKey(account, { name: 'Staging', category: 'staging', mode: 'test', expiresAt });
    server.clock.advance(5000);
    const { status, body, text } = await server.call<RestKeyList>('/api/v1/api-keys', { key: caller.secret });

    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['api_keys']);
    const byId = new Map(body.api_keys.map((entry) => [entry.id, entry]));
    expect(byId.get(caller.key.id)).toEqual({
      id: caller.key.id,
      name: 'Production Server',
      category: 'production',
      mode: 'live',
      prefix: 'sk_live_',
      last4: caller.secret.slice(-4),
      active: true,
      expires_at: null,
      created_at: iso(caller.key.createdAt),
      last_used_at: iso(server.clock.now()),
    });
    expect(byId.get(staging.key.id)).toEqual({
      id: staging.key.id,
      name: 'Staging',
      category: 'staging',
      mode: 'test',
      prefix: 'sk_test_',
      last4: staging.secret.slice(-4),
      active: true,
      expires_at: iso(expiresAt),
      created_at: iso(staging.key.createdAt),
      last_used_at: null,
    });
    for (const entry of body.api_keys) expect(Object.keys(entry)).toEqual(KEY_FIELDS);
    for (const { secret } of [caller, staging]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(8));
      expect(text).not.toContain(hashApiKey(secret));
    }
  });

  it('leaves revoked keys out and lists deactivated ones as inactive', async () => {
    const account = await server.newAccount();
    const caller = await server.newKey(account);
    const revoked = await server.newKey(account);
    const inactive = await server.newKey(account);
    await server.services.keys.revokeKey(revoked.key.id, 'operator');
    await server.services.keys.deactivateKey(inactive.key.id, 'operator');
    const { body } = await server.call<RestKeyList>('/api/v1/api-keys', { key: caller.secret });
    expect(body.api_keys.map((entry) => [entry.id, entry.active]).sort()).toEqual(
      [
        [caller.key.id, true],
        [inactive.key.id, false],
      ].sort(),
    );
  });
});

describe('DELETE /api/v1/api-keys/:id', () => {
  it('revokes the key at once: the next request with it is INVALID_KEY', async () => {
    const account = await server.newAccount();
    const caller = await server.newKey(account);
    const target = await server.newKey(account);
    expect((await server.call('/api/v1/sites', { key: target.secret })).status).toBe(200);

    const { status, body } = await server.call<RestKeyRevoked>(`/api/v1/api-keys/${target.key.id}`, { key: caller.secret, method: 'DELETE' });
    expect(status).toBe(200);
    expect(body).toEqual({ id: target.key.id, revoked: true });
    expectError(await server.call('/api/v1/sites', { key: target.secret }), 401, 'INVALID_KEY', 'Invalid API Key');
    const listed = await server.call<RestKeyList>('/api/v1/api-keys', { key: caller.secret });
    expect(listed.body.api_keys.map((entry) => entry.id)).toEqual([caller.key.id]);
  });

  it('lets a key revoke itself', async () => {
    const account = await server.newAccount();
    const self = await server.newKey(account);
    const { status, body } = await server.call<RestKeyRevoked>(`/api/v1/api-keys/${self.key.id}`, { key: self.secret, method: 'DELETE' });
    expect(status).toBe(200);
    expect(body).toEqual({ id: self.key.id, revoked: true });
    expectError(await server.call('/api/v1/sites', { key: self.secret }), 401, 'INVALID_KEY', 'Invalid API Key');
  });

  it('answers 403 KEY_NOT_FOUND for a key already revoked', async () => {
    const account = await server.newAccount();
    const caller = await server.newKey(account);
    const target = await server.newKey(account);
    await server.services.keys.revokeKey(target.key.id, 'operator');
    expectError(await server.call(`/api/v1/api-keys/${target.key.id}`, { key: caller.secret, method: 'DELETE' }), 403, 'KEY_NOT_FOUND', 'API key not found');
  });
});

describe('a test-mode key', () => {
  it('reads with "livemode": false', async () => {
    const account = await server.newAccount();
    const test = await server.newKey(account, { mode: 'test' });
    const keys = await server.call<RestKeyList>('/api/v1/api-keys', { key: test.secret });
    expect(keys.status).toBe(200);
    expect(keys.body.livemode).toBe(false);
    expect(keys.body.api_keys.map((entry) => entry.id)).toEqual([test.key.id]);
    const sites = await server.call('/api/v1/sites', { key: test.secret });
    expect(sites.body).toEqual({ sites: [], livemode: false });
  });

  it('revokes as a dry run: answered as done, the target still works', async () => {
    const account = await server.newAccount();
    const test = await server.newKey(account, { mode: 'test' });
    const target = await server.newKey(account);
    const { status, body } = await server.call(`/api/v1/api-keys/${target.key.id}`, { key: test.secret, method: 'DELETE' });
    expect(status).toBe(200);
    expect(body).toEqual({ id: target.key.id, revoked: true, livemode: false });
    expect((await server.call('/api/v1/sites', { key: target.secret })).status).toBe(200);
    const self = await server.call(`/api/v1/api-keys/${test.key.id}`, { key: test.secret, method: 'DELETE' });
    expect(self.body).toEqual({ id: test.key.id, revoked: true, livemode: false });
    expect((await server.call('/api/v1/sites', { key: test.secret })).status).toBe(200);
  });

  it('gets error bodies of exactly three fields, without livemode', async () => {
    const account = await server.newAccount();
    const test = await server.newKey(account, { mode: 'test' });
    expectError(await server.call('/api/v1/api-keys/key_0000000000000000', { key: test.secret, method: 'DELETE' }), 403, 'KEY_NOT_FOUND');
    expectError(await server.call('/api/v1/sites/site_000000000000', { key: test.secret }), 403, 'SITE_NOT_FOUND');
    expectError(await server.call(`/api/v1/sites/${'x'.repeat(101)}`, { key: test.secret }), 400, 'VALIDATION_ERROR');
    await server.services.keys.deactivateKey(test.key.id, 'operator');
    expectError(await server.call('/api/v1/sites', { key: test.secret }), 401, 'INACTIVE_KEY');
  });
});

describe('live responses', () => {
  it('carry no livemode field', async () => {
    const { secret } = await server.newKey(await server.newAccount());
    const { body } = await server.call<RestKeyList>('/api/v1/api-keys', { key: secret });
    expect(body).not.toHaveProperty('livemode');
  });
});
