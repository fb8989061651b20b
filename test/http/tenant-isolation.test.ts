import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedKey } from '../../src/core/api-keys.js';
import type { Site } from '../../src/core/model.js';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from './expect-error.js';

interface Tenant {
  sites: Site[];
  keys: IssuedKey[];
}

let server: TestServer;
let a: Tenant;
let b: Tenant;

async function tenant(domains: string[]): Promise<Tenant> {
  const account = await server.newAccount();
  const sites = [];
  for (const domain of domains) sites.push(await server.services.sites.createSite(account, domain));
  return { sites, keys: [await server.newKey(account), await server.newKey(account)] };
}

beforeAll(async () => {
  server = await startTestServer();
  a = await tenant(['a-one.example.com', 'a-two.example.com']);
  b = await tenant(['b-one.example.com', 'b-two.example.com']);
});
afterAll(() => server.close());

const ids = (list: { id: string }[]) => list.map((item) => item.id).sort();

describe("one account's key", () => {
  it("lists only its own account's sites", async () => {
    const { status, body } = await server.call('/api/v1/sites', { key: a.keys[0]!.secret });
    expect(status).toBe(200);
    expect(ids(body.sites)).toEqual(ids(a.sites));
  });

  it("lists only its own account's keys", async () => {
    const { status, body } = await server.call('/api/v1/api-keys', { key: a.keys[0]!.secret });
    expect(status).toBe(200);
    expect(ids(body.api_keys)).toEqual(ids(a.keys.map(({ key }) => key)));
  });

  it('answers 403 SITE_NOT_FOUND for every site of another account', async () => {
    for (const site of b.sites) {
      expectError(await server.call(`/api/v1/sites/${site.id}`, { key: a.keys[0]!.secret }), 403, 'SITE_NOT_FOUND', 'Site not found');
    }
  });

  it("cannot revoke another account's key: 403 KEY_NOT_FOUND and the key keeps working", async () => {
    const target = b.keys[0]!;
    expectError(
      await server.call(`/api/v1/api-keys/${target.key.id}`, { key: a.keys[0]!.secret, method: 'DELETE' }),
      403,
      'KEY_NOT_FOUND',
      'API key not found',
    );
    expect((await server.call('/api/v1/sites', { key: target.secret })).status).toBe(200);
    const { body } = await server.call('/api/v1/api-keys', { key: target.secret });
    expect(ids(body.api_keys)).toContain(target.key.id);
  });

  it("answers 403 KEY_NOT_FOUND for another account's key id and for an unknown one alike", async () => {
    const other = await server.call(`/api/v1/api-keys/${b.keys[1]!.key.id}`, { key: a.keys[1]!.secret, method: 'DELETE' });
    const unknown = await server.call('/api/v1/api-keys/key_0000000000000000', { key: a.keys[1]!.secret, method: 'DELETE' });
    expectError(other, 403, 'KEY_NOT_FOUND', 'API key not found');
    expectError(unknown, 403, 'KEY_NOT_FOUND', 'API key not found');
  });
});
