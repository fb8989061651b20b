import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/lib/key-format.js';
import { DAY_MS } from '../../src/lib/utc-days.js';
import { startTestServer, type TestServer } from '../harness.js';
import { type DashboardClient, signUp } from './dashboard-client.js';
import { expectError } from './expect-error.js';
import { forwardedFor } from './forwarded-for.js';
import { type Received, WebhookReceiver } from './webhook-receiver.js';

/** README's "Verifying a delivery" snippet, run as written. */
type Verify = (secret: string, header: string, rawBody: string) => boolean;
let verifyKeygateSignature: Verify;

async function loadReadmeVerifier(): Promise<Verify> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const snippet = /```js\n(import \{ createHmac[\s\S]*?)```/.exec(readme)?.[1];
  expect(snippet, 'README has the verification example').toBeDefined();
  expect(snippet!.trim().split('\n').length).toBeLessThanOrEqual(10);
  const file = join(mkdtempSync(join(tmpdir(), 'keygate-readme-')), 'verify.mjs');
  writeFileSync(file, snippet!);
  return (await import(pathToFileURL(file).href)).verifyKeygateSignature;
}

const ENV = { WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_RETRY_SCHEDULE_S: '1,1', WEBHOOK_TIMEOUT_MS: '1000', TRUST_PROXY: '127.0.0.1', AUTH_FAIL_LIMIT: '3' };

let server: TestServer;
let receiver: WebhookReceiver;
let paths = 0;

beforeAll(async () => {
  verifyKeygateSignature = await loadReadmeVerifier();
  receiver = await WebhookReceiver.start();
  server = await startTestServer({ env: ENV });
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

/** A new account signed in to the dashboard with an endpoint at a path of its own. */
async function ownerWithEndpoint(body: Record<string, unknown> = {}): Promise<{ owner: DashboardClient; path: string; id: string; secret: string }> {
  const owner = await signUp(server);
  const path = `/hook-${++paths}`;
  const created = await owner.request('POST', '/webhooks', { url: receiver.url(path), ...body });
  expect(created.status, created.text).toBe(201);
  return { owner, path, id: created.body.webhook.id, secret: created.body.secret };
}

const types = (requests: Received[]) => requests.map((request) => request.event.type).sort();

/** Advances the manual clock past a 1 s retry (±20 % jitter). */
const pastRetry = () => server.clock.advance(1500);

/** Waits until the endpoint's log shows `count` attempts: only then is the retry scheduled on the manual clock. */
async function attemptsLogged(owner: DashboardClient, id: string, count: number): Promise<Array<Record<string, any>>> {
  await expect.poll(async () => (await owner.request('GET', `/webhooks/${id}/deliveries`)).body.deliveries.length, { timeout: 10_000 }).toBe(count);
  return (await owner.request('GET', `/webhooks/${id}/deliveries`)).body.deliveries;
}

describe('webhook endpoints in the dashboard', () => {
  it('creates an endpoint whose secret is shown once, lists it without the secret, edits, rolls and deletes it, each change audited', async () => {
    const owner = await signUp(server);
    const created = await owner.request('POST', '/webhooks', {
      url: receiver.url('/managed'),
      events: ['key.revoked', 'key.created'],
      description: ' Billing ',
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
    const webhook = created.body.webhook;
    expect(webhook).toEqual({
      id: expect.stringMatching(/^wh_[0-9A-Za-z]{16}$/),
      url: receiver.url('/managed'),
      events: ['key.created', 'key.revoked'],
      description: 'Billing',
      enabled: true,
      disabled_reason: null,
      created_at: expect.any(String),
    });
    const listed = await owner.request('GET', '/webhooks');
    expect(listed.body).toMatchObject({ webhooks: [webhook], limit: { max: 10, used: 1 } });
    expect(listed.body.event_types).toContain('quota.threshold');
    expect(listed.text).not.toContain(created.body.secret);

    const edited = await owner.request('PATCH', `/webhooks/${webhook.id}`, { events: [], enabled: false });
    expect(edited.body.webhook).toMatchObject({ events: ['*'], enabled: false });
    const rolled = await owner.request('POST', `/webhooks/${webhook.id}/roll-secret`);
    expect(rolled.body.secret).toMatch(/^whsec_/);
    expect(rolled.body.secret).not.toBe(created.body.secret);
    expect((await owner.request('DELETE', `/webhooks/${webhook.id}`)).status).toBe(204);
    expect((await owner.request('GET', '/webhooks')).body.webhooks).toEqual([]);

    const audit = await owner.request('GET', '/audit');
    expect(audit.body.entries.map((entry: { action: string }) => entry.action)).toEqual([
      'webhook.deleted',
      'webhook.secret_rolled',
      'webhook.updated',
      'webhook.created',
    ]);
    expect(audit.body.entries[3]).toMatchObject({ target_type: 'webhook', target_id: webhook.id, user: { id: owner.userId }, details: { via: 'dashboard' } });
    expect(audit.text).not.toContain('whsec_');
  });

  it('refuses bad input with 400 naming the field, an eleventh endpoint, and a mutation without Origin', async () => {
    const owner = await signUp(server);
    expectError(await owner.request('POST', '/webhooks', { url: 'ftp://example.com/' }), 400, 'VALIDATION_ERROR', /^url: /);
    expectError(await owner.request('POST', '/webhooks', { url: 'https://user:pw@example.com/' }), 400, 'VALIDATION_ERROR', /^url: /);
    expectError(await owner.request('POST', '/webhooks', { url: receiver.url('/x'), events: ['key.exploded'] }), 400, 'VALIDATION_ERROR', /^events: /);
    expectError(await owner.request('POST', '/webhooks', { url: receiver.url('/x'), description: 'x'.repeat(201) }), 400, 'VALIDATION_ERROR', /^description: /);
    expectError(await owner.request('POST', '/webhooks', {}), 400, 'VALIDATION_ERROR', /^url/);
    for (let i = 0; i < 10; i++) expect((await owner.request('POST', '/webhooks', { url: receiver.url(`/many-${i}`) })).status).toBe(201);
    expectError(await owner.request('POST', '/webhooks', { url: receiver.url('/eleventh') }), 403, 'PLAN_LIMIT', /10 webhook endpoints/);
    expectError(await owner.request('POST', '/webhooks', { url: receiver.url('/x') }, { origin: 'https://evil.example' }), 403, 'CSRF_REJECTED');
  });

  it("hides another account's endpoints: 404 to read, change, test, redeliver or delete, and the endpoint stays", async () => {
    const { owner, id } = await ownerWithEndpoint();
    const other = await signUp(server);
    expectError(await other.request('GET', `/webhooks/${id}/deliveries`), 404, 'NOT_FOUND');
    expectError(await other.request('PATCH', `/webhooks/${id}`, { enabled: false }), 404, 'NOT_FOUND');
    expectError(await other.request('POST', `/webhooks/${id}/roll-secret`), 404, 'NOT_FOUND');
    expectError(await other.request('POST', `/webhooks/${id}/test`), 404, 'NOT_FOUND');
    expectError(await other.request('POST', `/webhooks/${id}/deliveries/1/redeliver`), 404, 'NOT_FOUND');
    expectError(await other.request('DELETE', `/webhooks/${id}`), 404, 'NOT_FOUND');
    expect((await other.request('GET', '/webhooks')).body.webhooks).toEqual([]);
    expect((await owner.request('GET', '/webhooks')).body.webhooks.map((webhook: { id: string; enabled: boolean }) => [webhook.id, webhook.enabled])).toEqual([
      [id, true],
    ]);
  });
});

describe('delivery', () => {
  it('signs each event so that the README code verifies it, with the event id in a header and no secret in the body', async () => {
    const { owner, path, secret } = await ownerWithEndpoint();
    const created = await owner.request('POST', '/keys', { name: 'signed' });
    const apiKey = created.body.secret as string;
    const site = await owner.request('POST', '/sites', { domain: 'hooks.example.com' });
    // A key revoking itself through the REST API.
    expect((await server.call(`/api/v1/api-keys/${created.body.key.id}`, { method: 'DELETE', key: apiKey })).status).toBe(200);
    const requests = await receiver.waitFor(path, (got) => got.length >= 3);
    expect(types(requests)).toEqual(['key.created', 'key.revoked', 'site.created']);
    for (const request of requests) {
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['keygate-event-id']).toBe(request.event.id);
      expect(request.event.id).toMatch(/^evt_[0-9A-Za-z]{20}$/);
      expect(verifyKeygateSignature(secret, String(request.headers['keygate-signature']), request.raw)).toBe(true);
      expect(verifyKeygateSignature(secret, String(request.headers['keygate-signature']), request.raw.replace('}', ' }'))).toBe(false);
      expect(verifyKeygateSignature(`${secret}x`, String(request.headers['keygate-signature']), request.raw)).toBe(false);
      expect(Object.keys(request.event)).toEqual(['id', 'type', 'created_at', 'account_id', 'data']);
      expect(request.event.account_id).toBe(owner.accountId);
      expect(request.raw).not.toContain(apiKey);
      expect(request.raw).not.toContain('whsec_');
      expect(request.raw).not.toMatch(/hash/);
    }
    const byType: Record<string, Record<string, any>> = Object.fromEntries(requests.map((request) => [request.event.type, request.event.data]));
    // The key as GET /api/v1/api-keys lists it.
    const { id, name, category, mode, prefix, last4, active, expires_at, created_at, last_used_at } = created.body.key;
    expect(byType['key.created']!.api_key).toEqual({ id, name, category, mode, prefix, last4, active, expires_at, created_at, last_used_at });
    expect(byType['key.revoked']!.reason).toBe('api');
    expect(byType['site.created']!.site).toEqual(site.body.site);
  });

  it('retries after 500s and timeouts, then delivers, and logs every attempt', async () => {
    const { owner, path, id } = await ownerWithEndpoint({ events: ['site.created'] });
    receiver.answer(path, 500, 'hang', 204);
    await owner.request('POST', '/sites', { domain: 'retry.example.com' });
    await attemptsLogged(owner, id, 1);
    pastRetry();
    // The timeout runs on real time; the retry after it waits for the manual clock.
    await attemptsLogged(owner, id, 2);
    pastRetry();
    const deliveries = await attemptsLogged(owner, id, 3);
    const requests = receiver.at(path);
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((request) => request.event.id)).size).toBe(1);
    expect(deliveries.map(({ attempt, status, error, state, type }: Record<string, unknown>) => ({ attempt, status, error, state, type }))).toEqual([
      { attempt: 3, status: 204, error: null, state: 'delivered', type: 'site.created' },
      { attempt: 2, status: null, error: 'timed out', state: 'delivered', type: 'site.created' },
      { attempt: 1, status: 500, error: 'HTTP 500', state: 'delivered', type: 'site.created' },
    ]);
    expect(deliveries[0]).toEqual({
      delivery_id: expect.any(Number),
      event_id: requests[0]!.event.id,
      type: 'site.created',
      attempt: 3,
      status: 204,
      duration_ms: expect.any(Number),
      error: null,
      time: expect.any(String),
      state: 'delivered',
    });
  });

  it('does not follow a redirect, gives up after the schedule, and redelivers the same event on request', async () => {
    const { owner, path, id } = await ownerWithEndpoint({ events: ['site.created'] });
    receiver.answer(path, 302);
    await owner.request('POST', '/sites', { domain: 'redirect.example.com' });
    await attemptsLogged(owner, id, 1);
    pastRetry();
    await attemptsLogged(owner, id, 2);
    pastRetry();
    expect((await attemptsLogged(owner, id, 3))[0]!.state).toBe('failed');
    pastRetry();
    pastRetry();
    await new Promise((tick) => setTimeout(tick, 1500));
    expect(receiver.at(path)).toHaveLength(3);
    expect(receiver.at('/elsewhere')).toHaveLength(0);
    const [last] = (await owner.request('GET', `/webhooks/${id}/deliveries`)).body.deliveries;
    expect(last).toMatchObject({ attempt: 3, status: 302, error: 'HTTP 302', state: 'failed' });

    receiver.answer(path, 200);
    const redelivered = await owner.request('POST', `/webhooks/${id}/deliveries/${last.delivery_id}/redeliver`);
    expect(redelivered.status).toBe(202);
    const requests = await receiver.waitFor(path, (got) => got.length === 4);
    expect(requests[3]!.event.id).toBe(requests[0]!.event.id);
    expect(requests[3]!.raw).toBe(requests[0]!.raw);
    expectError(await owner.request('POST', `/webhooks/${id}/deliveries/999999999/redeliver`), 404, 'NOT_FOUND');
  });

  it('sends a test event to one endpoint only, and nothing to a disabled endpoint', async () => {
    const { owner, path, id } = await ownerWithEndpoint({ events: ['key.deleted'] });
    const second = await owner.request('POST', '/webhooks', { url: receiver.url(`${path}-second`) });
    const tested = await owner.request('POST', `/webhooks/${id}/test`);
    expect(tested.status).toBe(202);
    const [test] = await receiver.waitFor(path, (got) => got.length === 1);
    expect(test!.event).toMatchObject({ id: tested.body.event_id, type: 'webhook.test', data: { webhook: { id } } });

    await owner.request('PATCH', `/webhooks/${second.body.webhook.id}`, { enabled: false });
    expectError(await owner.request('POST', `/webhooks/${second.body.webhook.id}/test`), 400, 'VALIDATION_ERROR', /^webhook: is disabled/);
    await owner.request('POST', '/sites', { domain: 'quiet.example.com' });
    const key = await owner.request('POST', '/keys', { name: 'short-lived' });
    await owner.request('DELETE', `/keys/${key.body.key.id}`);
    const [, deleted] = await receiver.waitFor(path, (got) => got.length === 2);
    expect(deleted!.event).toMatchObject({ type: 'key.deleted', data: { api_key: { id: key.body.key.id } } });
    expect(receiver.at(`${path}-second`)).toEqual([]);
  });

  it('emits nothing for a change that is refused', async () => {
    const { owner, path } = await ownerWithEndpoint({ events: ['key.created', 'site.created'] });
    for (const name of ['one', 'two', 'three']) expect((await owner.request('POST', '/keys', { name })).status).toBe(201);
    expectError(await owner.request('POST', '/keys', { name: 'fourth' }), 403, 'PLAN_LIMIT');
    expectError(await owner.request('POST', '/keys', { name: 'one' }), 409, 'NAME_TAKEN');
    await owner.request('POST', '/sites', { domain: 'after.example.com' });
    const requests = await receiver.waitFor(path, (got) => got.some((request) => request.event.type === 'site.created'));
    await new Promise((tick) => setTimeout(tick, 300));
    expect(types(receiver.at(path))).toEqual(['key.created', 'key.created', 'key.created', 'site.created']);
    expect(
      requests
        .map((request) => request.event.data.api_key?.name)
        .filter(Boolean)
        .sort(),
    ).toEqual(['one', 'three', 'two']);
  });

  it('announces rotation: the replacement at once, the old key revoked when its grace period ends', async () => {
    const { owner, path } = await ownerWithEndpoint({ events: ['key.rotated', 'key.revoked', 'key.created'] });
    const key = await owner.request('POST', '/keys', { name: 'rotating' });
    const rotated = await owner.request('POST', `/keys/${key.body.key.id}/rotate`, { grace_seconds: 3600 });
    expect(rotated.status).toBe(201);
    await receiver.waitFor(path, (got) => got.length === 3);
    expect(types(receiver.at(path))).toEqual(['key.created', 'key.created', 'key.rotated']);
    const rotation = receiver.at(path).find((request) => request.event.type === 'key.rotated')!;
    expect(rotation.event.data).toMatchObject({ api_key: { id: key.body.key.id }, replacement: { id: rotated.body.key.id }, grace_seconds: 3600 });
    server.clock.advance(3600_000);
    const [revoked] = (await receiver.waitFor(path, (got) => got.length === 4)).filter((request) => request.event.type === 'key.revoked');
    expect(revoked!.event.data).toMatchObject({ api_key: { id: key.body.key.id }, reason: 'rotation' });
  });

  it('announces an IP block to the account whose revoked key was presented, and to no one for unknown keys', async () => {
    const { owner, path } = await ownerWithEndpoint({ events: ['ip.blocked'] });
    const key = await owner.request('POST', '/keys', { name: 'dead' });
    await owner.request('POST', `/keys/${key.body.key.id}/revoke`);
    for (let i = 0; i < 3; i++) await server.call('/api/v1/sites', { key: key.body.secret, headers: forwardedFor('198.51.100.7') });
    for (let i = 0; i < 3; i++) await server.call('/api/v1/sites', { key: generateApiKey('live'), headers: forwardedFor('198.51.100.8') });
    const [blocked] = await receiver.waitFor(path, (got) => got.length === 1);
    expect(blocked!.event.data).toMatchObject({ ip: '198.51.100.7', cause: 'api_key', api_key: { id: key.body.key.id } });
    await new Promise((tick) => setTimeout(tick, 300));
    expect(receiver.at(path)).toHaveLength(1);

    // Failed sign-ins to one of the account's users count for it too; to an unknown email, for no one.
    const signIn = (email: string, ip: string) =>
      server.call('/dashboard/api/signin', {
        method: 'POST',
        headers: { origin: server.url, 'content-type': 'application/json', ...forwardedFor(ip) },
        body: JSON.stringify({ email, password: 'wrong password!' }),
      });
    for (let i = 0; i < 3; i++) await signIn('nobody@example.com', '198.51.100.9');
    for (let i = 0; i < 3; i++) await signIn(owner.email, '198.51.100.10');
    const [, signInBlock] = await receiver.waitFor(path, (got) => got.length === 2);
    expect(signInBlock!.event.data).toEqual({ ip: '198.51.100.10', cause: 'sign_in', user: { id: owner.userId, email: owner.email } });
  });
});

describe('an endpoint that hangs', () => {
  let slow: TestServer;
  afterEach(() => slow?.close());

  it('delays no other endpoint', async () => {
    // The real 10 s timeout: the other endpoint must be served while these still hang.
    slow = await startTestServer({ env: { WEBHOOK_ALLOW_PRIVATE: '1' } });
    const account = await slow.newAccount();
    await slow.services.webhooks.createEndpoint(account, { url: receiver.url('/hangs') });
    await slow.services.webhooks.createEndpoint(account, { url: receiver.url('/answers') });
    receiver.answer('/hangs', 'hang');
    for (let i = 0; i < 3; i++) {
      const { key } = await slow.newKey(account);
      await slow.services.keys.deleteKey(key.id, 'operator');
    }
    await receiver.waitFor('/answers', (got) => got.length === 6);
    // The hanging endpoint holds two attempts open, no more, and the other's six went through meanwhile.
    expect(receiver.open).toBeGreaterThan(0);
    expect(receiver.at('/hangs').length).toBeLessThanOrEqual(2);
  });
});

describe('watchers', () => {
  let watched: TestServer;
  afterEach(() => watched?.close());

  it('announce expiry 7 days and 1 day ahead and when it passes, once each, across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'keygate-watch-'));
    const first = await startTestServer({ env: { WEBHOOK_ALLOW_PRIVATE: '1' }, dataDir });
    const account = await first.newAccount();
    await first.services.webhooks.createEndpoint(account, { url: receiver.url('/expiry'), events: ['key.expiring', 'key.expired'] });
    const { key } = await first.newKey(account, { expiresAt: first.clock.now() + 8 * DAY_MS });
    const scan = () => first.services.webhookWatchers.scanNow();
    await scan();
    first.clock.advance(1.5 * DAY_MS);
    await scan();
    await scan();
    await receiver.waitFor('/expiry', (got) => got.length === 1);
    // A restart on the same data remembers what was sent.
    const { clock } = first;
    await first.close();
    const restarted = await startTestServer({ env: { WEBHOOK_ALLOW_PRIVATE: '1' }, dataDir, clock });
    try {
      await restarted.services.webhookWatchers.scanNow();
      clock.advance(5.75 * DAY_MS);
      await restarted.services.webhookWatchers.scanNow();
      clock.advance(DAY_MS);
      await restarted.services.webhookWatchers.scanNow();
      await restarted.services.webhookWatchers.scanNow();
      const requests = await receiver.waitFor('/expiry', (got) => got.length === 3);
      expect(requests.map((request) => [request.event.type, request.event.data.days ?? null, request.event.data.api_key.id])).toEqual([
        ['key.expiring', 7, key.id],
        ['key.expiring', 1, key.id],
        ['key.expired', null, key.id],
      ]);
      await new Promise((tick) => setTimeout(tick, 1200));
      expect(receiver.at('/expiry')).toHaveLength(3);
    } finally {
      await restarted.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('announce a quota reaching 80 % and 100 %, once per window and level', async () => {
    watched = await startTestServer({ env: { WEBHOOK_ALLOW_PRIVATE: '1' } });
    const account = await watched.newAccount();
    await watched.services.webhooks.createEndpoint(account, { url: receiver.url('/quota'), events: ['quota.threshold'] });
    const { key, secret } = await watched.newKey(account, { quotas: { daily: 5, total: 100 } });
    const use = async (times: number) => {
      for (let i = 0; i < times; i++) expect((await watched.call('/api/v1/sites', { key: secret })).status).toBe(200);
      await watched.services.webhookWatchers.scanNow();
    };
    await use(3);
    await use(1);
    await use(0);
    await receiver.waitFor('/quota', (got) => got.length === 1);
    await use(1);
    await use(0);
    const requests = await receiver.waitFor('/quota', (got) => got.length === 2);
    expect(requests.map((request) => request.event.data.quota)).toEqual([
      { window: 'daily', limit: 5, used: 4, level: 80 },
      { window: 'daily', limit: 5, used: 5, level: 100 },
    ]);
    expect(requests[0]!.event.data.api_key.id).toBe(key.id);
    await new Promise((tick) => setTimeout(tick, 1200));
    expect(receiver.at('/quota')).toHaveLength(2);
  });
});

describe('SSRF defence', () => {
  let guarded: TestServer;
  afterEach(() => guarded?.close());

  it('refuses loopback, private, link-local and metadata destinations at save time, names included, unless WEBHOOK_ALLOW_PRIVATE=1', async () => {
    guarded = await startTestServer();
    const owner = await signUp(guarded);
    for (const url of [
      receiver.url('/ssrf'),
      'http://localhost:9/',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.1.2.3/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://100.64.0.1/',
      'http://0.0.0.0/',
    ]) {
      const refused = await owner.request('POST', '/webhooks', { url });
      expectError(refused, 400, 'VALIDATION_ERROR', /^url: .* is not a public address/);
    }
    expectError(
      await owner.request('POST', '/webhooks', { url: 'http://name.invalid/' }),
      400,
      'VALIDATION_ERROR',
      /^url: name\.invalid could not be resolved/,
    );
    // With the switch, `localhost` (a name resolving to 127.0.0.1) is accepted and delivered to.
    const owner2 = await signUp(server);
    const created = await owner2.request('POST', '/webhooks', { url: receiver.url('/ssrf-allowed').replace('127.0.0.1', 'localhost') });
    expect(created.status, created.text).toBe(201);
    await owner2.request('POST', `/webhooks/${created.body.webhook.id}/test`);
    await receiver.waitFor('/ssrf-allowed', (got) => got.length === 1);
  });

  it('checks the resolved address again at delivery', async () => {
    guarded = await startTestServer();
    const account = await guarded.newAccount();
    // As if the name had resolved to a public address when saved and to loopback since.
    const endpoint = {
      id: 'wh_rebound000000000',
      accountId: account,
      url: receiver.url('/rebound').replace('127.0.0.1', 'localhost'),
      events: ['*'],
      description: '',
    };
    await guarded.services.store.webhooks.insertEndpointWithinLimit(
      { ...endpoint, secret: 'whsec_x', enabled: true, disabledReason: null, failingSince: null, createdAt: guarded.clock.now() },
      10,
    );
    await guarded.services.sites.createSite(account, 'rebound.example.com');
    await expect
      .poll(async () => (await guarded.services.webhooks.attempts(endpoint.id, account, undefined, 10)).deliveries.length, { timeout: 10_000 })
      .toBe(1);
    const [attempt] = (await guarded.services.webhooks.attempts(endpoint.id, account, undefined, 10)).deliveries;
    expect(attempt).toMatchObject({ status: null, error: expect.stringMatching(/^localhost resolves to 127\.0\.0\.1, which is not a public address/) });
    expect(receiver.at('/rebound')).toEqual([]);
  });
});
