import { describe, expect } from 'vitest';
import type { AuditPageAnswer, IssuedKeyAnswer, KeyListAnswer } from '../../src/http/responses.js';
import { serverTest } from '../fixtures.js';
import { type DashboardClient, signUp } from './dashboard-client.js';
import { expectError } from './expect-error.js';

let names = 0;

// Each test has its own owner (on a plan roomy enough for what it creates) and other account.
// After each test, none of the secrets it was issued may be found in a log line or the database.
const test = serverTest({ plans: { roomy: { max_keys: 20 } } })
  .extend('issued', ({ server }, { onCleanup }) => {
    const issued: string[] = [];
    onCleanup(async () => {
      if (issued.length === 0) return;
      const rows = await server.tableRows(['api_keys', 'audit_log', 'request_logs']);
      for (const secret of issued) expect(rows, 'a stored row').not.toContain(secret.slice(8, 34));
      for (const line of server.logs) for (const secret of issued) expect(line, 'a log line').not.toContain(secret.slice(8, 34));
    });
    return issued;
  })
  .extend('create', ({ issued }) => async (client: DashboardClient, body: Record<string, unknown> = {}) => {
    const result = await client.request<IssuedKeyAnswer>('POST', '/keys', { name: `key ${++names}`, ...body });
    expect(result.status, result.text).toBe(201);
    issued.push(result.body.secret);
    return result.body;
  });
test.override('owner', async ({ server }) => {
  const owner = await signUp(server);
  await server.services.accounts.setPlan(owner.accountId, 'roomy');
  return owner;
});

/** The keys the dashboard lists (`?include=revoked` too, when asked). */
async function listedKeys(client: DashboardClient, query = ''): Promise<KeyListAnswer['keys']> {
  return (await client.request<KeyListAnswer>('GET', `/keys${query}`)).body.keys;
}

describe('creating a key', () => {
  test('returns every setting and the secret once; the list never shows the secret', async ({ server, owner, create }) => {
    const expiresAt = new Date(server.clock.now() + 86_400_000).toISOString();
    const { key, secret } = await create(owner, {
      name: 'Production Server',
      category: 'staging',
      mode: 'test',
      expires_at: expiresAt,
      quotas: { daily: 100, total: 1000 },
      restrictions: { ips: ['10.0.0.0/8'], endpoints: ['GET /api/v1/sites'] },
    });
    expect(secret).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
    expect(key).toEqual({
      id: expect.stringMatching(/^key_/),
      name: 'Production Server',
      category: 'staging',
      mode: 'test',
      prefix: 'sk_test_',
      last4: secret.slice(-4),
      status: 'active',
      active: true,
      expires_at: expiresAt,
      created_at: new Date(server.clock.now()).toISOString(),
      last_used_at: null,
      revoked_at: null,
      quotas: { daily: 100, total: 1000 },
      quota_use: { daily: 0, total: 0 },
      restrictions: { ips: ['10.0.0.0/8'], referrers: [], endpoints: ['GET /api/v1/sites'] },
      used: false,
      leak: null,
      live_tokens: 0,
    });
    const list = await owner.request<KeyListAnswer>('GET', '/keys');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(secret);
    expect(list.text).not.toContain(secret.slice(8, 34));
    expect(list.body.keys.find((listed) => listed.id === key.id)).toEqual(key);
  });

  test('defaults to a live production key without quotas or restrictions', async ({ owner, create }) => {
    const { key, secret } = await create(owner);
    expect(secret).toMatch(/^sk_live_/);
    expect(key).toMatchObject({
      mode: 'live',
      category: 'production',
      expires_at: null,
      quotas: {},
      quota_use: {},
      restrictions: { ips: [], referrers: [], endpoints: [] },
    });
  });

  test('refuses bad input with the field named', async ({ owner }) => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /^name: is required$/],
      [{ name: '  ' }, /^name: /],
      [{ name: 'x', mode: 'prod' }, /^mode: /],
      [{ name: 'x', expires_at: 'tomorrow' }, /^expires_at: /],
      [{ name: 'x', expires_at: '2020-01-01T00:00:00.000Z' }, /^expires_at: must be a time in the future$/],
      [{ name: 'x', quotas: { daily: 0 } }, /^quotas\.daily: /],
      [{ name: 'x', quotas: { hourly: 5 } }, /^quotas\.hourly: is not a known field$/],
      [{ name: 'x', restrictions: { ips: ['nope'] } }, /^restrictions\.ips/],
      [{ name: 'x', secret: 'mine' }, /^secret: is not a known field$/],
    ];
    for (const [body, message] of cases) expectError(await owner.request('POST', '/keys', body), 400, 'VALIDATION_ERROR', message);
  });

  test('refuses a name a live key already has: 409 NAME_TAKEN', async ({ owner, create }) => {
    await create(owner, { name: 'Twin' });
    expectError(await owner.request('POST', '/keys', { name: 'Twin' }), 409, 'NAME_TAKEN');
  });

  test('enforces the plan key limit and shows it: 403 PLAN_LIMIT naming the plan', async ({ server, create }) => {
    const client = await signUp(server);
    for (let i = 0; i < 3; i++) await create(client);
    expectError(await client.request('POST', '/keys', { name: 'one too many' }), 403, 'PLAN_LIMIT', /free plan allows 3 API keys/);
    expect((await client.request('GET', '/keys')).body.limit).toEqual({ max_keys: 3, used: 3 });
  });
});

describe('editing a key', () => {
  test('changes the settings given and leaves the rest; the running server sees it at once', async ({ server, owner, create }) => {
    const { key, secret } = await create(owner, { category: 'development', quotas: { daily: 5 } });
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    const result = await owner.request('PATCH', `/keys/${key.id}`, { name: 'Renamed', restrictions: { ips: ['192.0.2.1'] } });
    expect(result.status, result.text).toBe(200);
    expect(result.body.key).toMatchObject({
      id: key.id,
      name: 'Renamed',
      category: 'development',
      quotas: { daily: 5 },
      quota_use: { daily: 1 },
      restrictions: { ips: ['192.0.2.1'] },
      used: true,
    });
    expectError(await server.call('/api/v1/sites', { key: secret }), 403, 'KEY_RESTRICTED');
    const cleared = await owner.request('PATCH', `/keys/${key.id}`, { quotas: {}, restrictions: {}, expires_at: null });
    expect(cleared.body.key).toMatchObject({ quotas: {}, quota_use: {}, restrictions: { ips: [] }, expires_at: null });
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
  });

  test('refuses a taken name, a past expiry and a mode change', async ({ server, owner, create }) => {
    const { key } = await create(owner);
    await create(owner, { name: 'Held' });
    expectError(await owner.request('PATCH', `/keys/${key.id}`, { name: 'Held' }), 409, 'NAME_TAKEN');
    expectError(
      await owner.request('PATCH', `/keys/${key.id}`, { expires_at: new Date(server.clock.now() - 1000).toISOString() }),
      400,
      'VALIDATION_ERROR',
      /^expires_at: /,
    );
    expectError(await owner.request('PATCH', `/keys/${key.id}`, { mode: 'test' }), 400, 'VALIDATION_ERROR', 'mode: is not a known field');
    expect((await owner.request('PATCH', `/keys/${key.id}`, { name: key.name })).status).toBe(200);
  });
});

describe('the audit entry of an edit', () => {
  test('names only the settings whose value changed, and an edit that changes nothing is not recorded', async ({ server, owner, create }) => {
    const expiresAt = new Date(server.clock.now() + 10 * 86_400_000).toISOString();
    const { key } = await create(owner, { category: 'staging', expires_at: expiresAt, quotas: { daily: 5 }, restrictions: { ips: ['10.0.0.0/8'] } });
    const everything = {
      name: key.name,
      category: 'staging',
      expires_at: expiresAt,
      quotas: { daily: 5 },
      restrictions: { ips: ['10.0.0.0/8'], referrers: [], endpoints: [] },
    };
    const same = await owner.request('PATCH', `/keys/${key.id}`, everything);
    expect(same.status, same.text).toBe(200);
    expect(same.body.key.expires_at).toBe(expiresAt);
    const renamed = await owner.request('PATCH', `/keys/${key.id}`, { ...everything, name: `${key.name} renamed`, quotas: { daily: 6 } });
    expect(renamed.status, renamed.text).toBe(200);
    const entries = (await owner.request<AuditPageAnswer>('GET', '/audit?limit=200')).body.entries.filter((entry) => entry.target_id === key.id);
    expect(entries.map((entry) => [entry.action, (entry.details as { fields?: string[] }).fields])).toEqual([
      ['key.updated', ['name', 'quotas']],
      ['key.created', undefined],
    ]);
  });
});

describe('key lifecycle', () => {
  test('deactivates and reactivates', async ({ server, owner, create }) => {
    const { key, secret } = await create(owner);
    const off = await owner.request('POST', `/keys/${key.id}/deactivate`);
    expect(off.body.key).toMatchObject({ active: false, status: 'inactive' });
    expectError(await server.call('/api/v1/sites', { key: secret }), 401, 'INACTIVE_KEY');
    const on = await owner.request('POST', `/keys/${key.id}/reactivate`);
    expect(on.body.key).toMatchObject({ active: true, status: 'active' });
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
  });

  test('shows an expired key as expired', async ({ server, owner, create }) => {
    const { key } = await create(owner, { expires_at: new Date(server.clock.now() + 1000).toISOString() });
    server.clock.advance(1000);
    const listed = (await listedKeys(owner)).find((k) => k.id === key.id);
    expect(listed?.status).toBe('expired');
  });

  test('revokes for good: gone from the list unless include=revoked, and 404 afterwards', async ({ server, owner, create }) => {
    const { key, secret } = await create(owner);
    const revoked = await owner.request('POST', `/keys/${key.id}/revoke`);
    expect(revoked.body.key).toMatchObject({ status: 'revoked', revoked_at: new Date(server.clock.now()).toISOString() });
    expectError(await server.call('/api/v1/sites', { key: secret }), 401, 'INVALID_KEY');
    expect((await listedKeys(owner)).map((k) => k.id)).not.toContain(key.id);
    expect((await listedKeys(owner, '?include=revoked')).find((k) => k.id === key.id)).toMatchObject({ status: 'revoked' });
    expectError(await owner.request('POST', `/keys/${key.id}/reactivate`), 404, 'NOT_FOUND', 'API key not found');
  });

  test('rotates with a grace period: a new secret, both listed, the old one rotating', async ({ server, owner, create, issued }) => {
    const { key, secret } = await create(owner, { name: 'Rotor', quotas: { monthly: 50 } });
    const result = await owner.request('POST', `/keys/${key.id}/rotate`, { grace_seconds: 60 });
    expect(result.status, result.text).toBe(201);
    expect(result.body.secret).toMatch(/^sk_live_/);
    issued.push(result.body.secret);
    expect(result.body.key).toMatchObject({ name: 'Rotor (rotated)', quotas: { monthly: 50 }, status: 'active' });
    expect(result.body.previous).toMatchObject({ id: key.id, status: 'rotating' });
    const ids = (await listedKeys(owner)).map((k) => k.id);
    expect(ids).toEqual(expect.arrayContaining([key.id, result.body.key.id]));
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    server.clock.advance(60_000);
    expectError(await server.call('/api/v1/sites', { key: secret }), 401, 'INVALID_KEY');
    expect((await server.call('/api/v1/sites', { key: result.body.secret })).status).toBe(200);
  });

  test('keeps a free account within its 3 keys however it rotates: no second turn of a key in grace, no chain of graces', async ({ server, create }) => {
    const client = await signUp(server);
    const keys: IssuedKeyAnswer['key'][] = [];
    for (let i = 0; i < 3; i++) keys.push((await create(client)).key);
    const week = { grace_seconds: 604_800 };
    const first = await client.request('POST', `/keys/${keys[0]!.id}/rotate`, week);
    expect(first.status, first.text).toBe(201);
    expectError(
      await client.request('POST', `/keys/${keys[0]!.id}/rotate`, week),
      400,
      'VALIDATION_ERROR',
      /^key: .* is in the grace period of a rotation until /,
    );
    expectError(await client.request('POST', `/keys/${first.body.key.id}/rotate`, week), 403, 'PLAN_LIMIT', /keys in a rotation's grace period count/);
    expectError(await client.request('POST', `/keys/${keys[1]!.id}/rotate`, week), 403, 'PLAN_LIMIT');
    const listed = await client.request('GET', '/keys');
    expect(listed.body.limit).toEqual({ max_keys: 3, used: 4 });
  });

  test('rotates at once without a body, under a new name if given; refuses a grace over 7 days', async ({ owner, create, issued }) => {
    const { key } = await create(owner);
    expectError(await owner.request('POST', `/keys/${key.id}/rotate`, { grace_seconds: 604_801 }), 400, 'VALIDATION_ERROR', /^grace_seconds: /);
    const bare = await owner.request('POST', `/keys/${key.id}/rotate`);
    expect(bare.status, bare.text).toBe(201);
    expect(bare.body.previous.status).toBe('revoked');
    issued.push(bare.body.secret);
    const named = await owner.request('POST', `/keys/${bare.body.key.id}/rotate`, { name: 'Fresh' });
    expect(named.body.key.name).toBe('Fresh');
    issued.push(named.body.secret);
  });

  test('deletes a never-used key, and refuses a used one with 409 KEY_USED suggesting deactivation', async ({ server, owner, create }) => {
    const unused = await create(owner);
    const deleted = await owner.request('DELETE', `/keys/${unused.key.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await listedKeys(owner, '?include=revoked')).map((k) => k.id)).not.toContain(unused.key.id);
    const used = await create(owner);
    await server.call('/api/v1/sites', { key: used.secret });
    expectError(await owner.request('DELETE', `/keys/${used.key.id}`), 409, 'KEY_USED', /deactivate/);
  });

  test('counts quota use from the requests the limiter counted', async ({ server, owner, create }) => {
    const { key, secret } = await create(owner, { quotas: { total: 10, daily: 3, weekly: 8 } });
    for (let i = 0; i < 4; i++) await server.call('/api/v1/sites', { key: secret });
    const listed = (await listedKeys(owner)).find((k) => k.id === key.id);
    expect(listed?.quota_use).toEqual({ total: 3, daily: 3, weekly: 3 });
  });
});

describe('validation shared with the CLI', () => {
  test('refuses an expiry on a day that does not exist and an origin that can never match', async ({ owner }) => {
    expectError(await owner.request('POST', '/keys', { name: 'feb', expires_at: '2099-02-30T00:00:00Z' }), 400, 'VALIDATION_ERROR', /^expires_at: /);
    expectError(
      await owner.request('POST', '/keys', { name: 'star', restrictions: { referrers: ['https://*'] } }),
      400,
      'VALIDATION_ERROR',
      /^restrictions\.referrers: "https:\/\/\*" is not an origin/,
    );
  });
});

describe('another account', () => {
  test("cannot see, change, rotate or delete the owner's keys: 404 NOT_FOUND", async ({ server, owner, other, create }) => {
    const { key, secret } = await create(owner);
    expect((await other.request('GET', '/keys?include=revoked')).body.keys).toEqual([]);
    const attempts: Array<[string, string, unknown?]> = [
      ['PATCH', `/keys/${key.id}`, { name: 'mine now' }],
      ['POST', `/keys/${key.id}/deactivate`],
      ['POST', `/keys/${key.id}/reactivate`],
      ['POST', `/keys/${key.id}/revoke`],
      ['POST', `/keys/${key.id}/rotate`, {}],
      ['DELETE', `/keys/${key.id}`],
      ['POST', '/keys/key_0000000000000000/revoke'],
    ];
    for (const [method, path, body] of attempts) expectError(await other.request(method, path, body), 404, 'NOT_FOUND', 'API key not found');
    const listed = (await listedKeys(owner)).find((k) => k.id === key.id);
    expect(listed).toMatchObject({ name: key.name, status: 'active' });
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
  });
});

describe('secrets', () => {
  test('never writes an issued, rotated or used secret, or its random part, to a log line or the database', async ({ server, owner, create, issued }) => {
    const { key, secret } = await create(owner);
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    expectError(await server.call('/api/v1/sites', { key: `${secret.slice(0, -1)}x` }), 401, 'INVALID_KEY');
    const rotated = await owner.request('POST', `/keys/${key.id}/rotate`, { grace_seconds: 60 });
    issued.push(rotated.body.secret);
    const again = await owner.request('POST', `/keys/${rotated.body.key.id}/rotate`);
    issued.push(again.body.secret);
    expect((await server.call('/api/v1/sites', { key: again.body.secret })).status).toBe(200);
    const rows = await server.tableRows(['api_keys', 'audit_log', 'request_logs']);
    expect(rows).toContain('sk_live');
    for (const one of issued) expect(rows).not.toContain(one.slice(8, 34));
    for (const line of server.logs) for (const one of issued) expect(line).not.toContain(one.slice(8, 34));
  });
});
