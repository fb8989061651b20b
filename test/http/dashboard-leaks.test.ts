import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { type DashboardClient, signUp } from './dashboard-client.js';
import { expectError } from './expect-error.js';

/** SPEC §7 and §9: a key revoked as leaked is flagged on the key list and the overview until dismissed. */

let server: TestServer;
let owner: DashboardClient;
let other: DashboardClient;

beforeAll(async () => {
  server = await startTestServer({ env: { KEY_PREFIX: 'acme' } });
  owner = await signUp(server);
  other = await signUp(server);
});
afterAll(() => server.close());

async function reportLeak(secret: string, url?: string) {
  const result = await server.call('/api/v1/keys/report-leak', {
    method: 'POST',
    body: JSON.stringify({ key: secret, url }),
    headers: { 'content-type': 'application/json' },
  });
  expect(result.status).toBe(202);
  await server.services.leaks.settled();
}

describe('a key revoked as leaked', () => {
  it('stays on the key list and the overview, flagged with where it was found, until a user dismisses it', async () => {
    const { body: created } = await owner.request('POST', '/keys', { name: 'Leaky' });
    const { body: kept } = await owner.request('POST', '/keys', { name: 'Kept' });
    const { body: revoked } = await owner.request('POST', '/keys', { name: 'Revoked by hand' });
    await owner.request('POST', `/keys/${revoked.key.id}/revoke`);
    const url = 'https://github.com/octo/app/blob/main/.env';
    await reportLeak(created.secret, url);

    const list = await owner.request('GET', '/keys');
    expect(list.body.keys.map((key: any) => key.name).sort()).toEqual(['Kept', 'Leaky']);
    const leaky = list.body.keys.find((key: any) => key.id === created.key.id);
    const healthy = list.body.keys.find((key: any) => key.id === kept.key.id);
    expect(leaky).toMatchObject({
      id: created.key.id,
      status: 'revoked',
      leak: { reported_at: expect.any(String), source: 'report', url, dismissed_at: null },
    });
    expect(healthy).toMatchObject({ id: kept.key.id, status: 'active', leak: null });
    expect(list.body.limit.used).toBe(1);

    const overview = await owner.request('GET', '/overview');
    expect(overview.body.leaked_keys).toEqual([{ id: created.key.id, name: 'Leaky', prefix: 'acme_live_', last4: created.key.last4, leak: leaky.leak }]);
    expect((await other.request('GET', '/overview')).body.leaked_keys).toEqual([]);

    // Another account cannot see or dismiss it.
    expectError(await other.request('POST', `/keys/${created.key.id}/dismiss-leak`), 404, 'NOT_FOUND');
    expect((await other.request('GET', '/keys')).body.keys).toEqual([]);

    const dismissed = await owner.request('POST', `/keys/${created.key.id}/dismiss-leak`);
    expect(dismissed.status, dismissed.text).toBe(200);
    expect(dismissed.body.key.leak).toMatchObject({ source: 'report', url, dismissed_at: new Date(server.clock.now()).toISOString() });
    expect((await owner.request('GET', '/keys')).body.keys.map((key: any) => key.name)).toEqual(['Kept']);
    expect((await owner.request('GET', '/overview')).body.leaked_keys).toEqual([]);
    expect((await owner.request('GET', '/keys?include=revoked')).body.keys.find((key: any) => key.id === created.key.id).leak.dismissed_at).toBe(
      new Date(server.clock.now()).toISOString(),
    );

    const audit = await owner.request('GET', '/audit');
    expect(audit.body.entries.slice(0, 2).map((entry: any) => [entry.action, entry.target_id, entry.user?.id ?? null, entry.details])).toEqual([
      ['key.leak_dismissed', created.key.id, owner.userId, { via: 'dashboard', source: 'report', url }],
      ['key.revoked', created.key.id, null, { via: 'leak_report', reason: 'leaked', source: 'report', url }],
    ]);

    // Once is enough; a key never reported has nothing to dismiss.
    expectError(await owner.request('POST', `/keys/${created.key.id}/dismiss-leak`), 404, 'NOT_FOUND');
    expectError(await owner.request('POST', `/keys/${kept.key.id}/dismiss-leak`), 404, 'NOT_FOUND');
  });
});

describe('the configured KEY_PREFIX', () => {
  it('is what new keys start with, and what the key list says keys look like', async () => {
    const { body } = await owner.request('POST', '/keys', { name: 'Prefixed', mode: 'test' });
    expect(body.secret).toMatch(/^acme_test_[0-9A-Za-z]{32}$/);
    expect(body.key.prefix).toBe('acme_test_');
    expect((await owner.request('GET', '/keys')).body.prefixes).toEqual({ live: 'acme_live_', test: 'acme_test_' });
    expect((await server.call('/api/v1/sites', { key: body.secret })).status).toBe(200);
  });
});
