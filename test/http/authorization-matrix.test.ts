import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/lib/key-format.js';
import { type CallResult, startTestServer, type TestServer } from '../harness.js';
import { type DashboardClient, dashboardCall, signUp } from './dashboard-client.js';
import { expectError } from './expect-error.js';
import { type RouteEntry, routeTable } from './route-table.js';

/**
 * Every route of the server, read from its route table, against every kind of credential
 * that must not pass: a route added later is in the matrix without anyone listing it, and
 * must be named below as public to escape it.
 */

/** Routes anyone may call: operation endpoints, the docs, tracking, sign-up/in/out, and the SPA. */
const PUBLIC = [
  /^\/docs(\/|$)/,
  /^\/openapi\.json$/,
  /^\/metrics$/,
  /^\/healthz$/,
  /^\/readyz$/,
  /^\/t\.js$/,
  /^\/api\/v1\/collect$/,
  /^\/dashboard\/api\/sign(up|in|out)$/,
  // SPEC §9: reports of leaked keys come from code hosts (signed) and from anyone; they carry keys, never use them.
  /^\/api\/v1\/secret-scanning\/(github|gitlab)$/,
  /^\/api\/v1\/keys\/report-leak$/,
  // SPEC §11: the client authenticates with the key in the body or Basic header (tested in oauth.test.ts), not as a bearer.
  /^\/oauth\/(token|revoke)$/,
  /^\/\.well-known\/oauth-authorization-server$/,
  /^\*$/,
];
const API = /^\/api\/v1\//;
const DASHBOARD = /^\/dashboard\/api\//;

let server: TestServer;
let routes: RouteEntry[];
let owner: DashboardClient;
let intruder: DashboardClient;
/** The owner's resources, by the route segment whose :id names them. */
let ownerIds: { site: string; key: string; webhook: string };
/** What only the owner's own data holds (an id may appear in another account's logs: the paths it asked for). */
let ownerMarks: string[];
let keys: Record<'live' | 'test' | 'revoked' | 'inactive' | 'expired' | 'restricted' | 'intruder', string>;

beforeAll(async () => {
  // Webhooks to loopback are allowed so that the owner's endpoint needs no DNS; nothing listens there.
  server = await startTestServer({ env: { AUTH_FAIL_LIMIT: '1000000', WEBHOOK_ALLOW_PRIVATE: '1' }, plans: { roomy: { max_keys: 20 } } });
  routes = routeTable(server.app);
  owner = await signUp(server);
  intruder = await signUp(server);
  await server.services.accounts.setPlan(owner.accountId, 'roomy');
  const site = await server.services.sites.createSite(owner.accountId, 'owner.example.com');
  const live = await server.newKey(owner.accountId);
  const webhook = await server.services.webhooks.createEndpoint(owner.accountId, { url: 'http://127.0.0.1:9/owner-hook', events: ['site.created'] });
  ownerIds = { site: site.id, key: live.key.id, webhook: webhook.endpoint.id };
  ownerMarks = [site.siteKey, site.domain, owner.email, live.key.name, `${live.key.last4}"`];
  const revoked = await server.newKey(owner.accountId);
  await server.services.keys.revokeKey(revoked.key.id, 'operator');
  const inactive = await server.newKey(owner.accountId);
  await server.services.keys.deactivateKey(inactive.key.id, 'operator');
  const expired = await server.newKey(owner.accountId, { expiresAt: server.clock.now() + 1000 });
  keys = {
    live: live.secret,
    test: (await server.newKey(owner.accountId, { mode: 'test' })).secret,
    revoked: revoked.secret,
    inactive: inactive.secret,
    expired: expired.secret,
    restricted: (await server.newKey(owner.accountId, { restrictions: { ips: ['192.0.2.1'] } })).secret,
    intruder: (await server.newKey(intruder.accountId)).secret,
  };
  server.clock.advance(2000);
});
afterAll(() => server.close());

/** The route's URL with each :id naming the owner's resource of that kind. */
function ownersPath(route: RouteEntry): string {
  const ids: Record<string, string> = { sites: ownerIds.site, keys: ownerIds.key, 'api-keys': ownerIds.key, webhooks: ownerIds.webhook };
  return route.url.replace(/\/(sites|keys|api-keys|webhooks)\/:id/g, (_all, kind: string) => `/${kind}/${ids[kind]}`).replace(':delivery', '1');
}

const hasBody = (method: string) => method === 'POST' || method === 'PATCH';

/** What the owner's account holds, as stored: a refused request must leave it exactly so. */
async function ownerRecords(): Promise<string> {
  const keysNow = await server.services.keys.listKeys(owner.accountId, { includeRevoked: true });
  const sites = await server.services.sites.listSites(owner.accountId);
  return JSON.stringify({
    keys: keysNow.map(({ lastUsedAt: _used, ...key }) => key),
    sites,
    account: await server.services.accounts.getAccount(owner.accountId),
  });
}

function apiCall(route: RouteEntry, key: string | undefined): Promise<CallResult> {
  return server.call(ownersPath(route), {
    method: route.method,
    ...(key !== undefined && { key }),
    ...(hasBody(route.method) && { headers: { 'content-type': 'application/json' }, body: '{}' }),
  });
}

describe('the route table', () => {
  it('holds every route, and each is public, behind an API key or behind a session', () => {
    expect(routes.length).toBeGreaterThan(20);
    expect(routes).toContainEqual({ method: 'DELETE', url: '/api/v1/api-keys/:id' });
    expect(routes).toContainEqual({ method: 'POST', url: '/dashboard/api/keys/:id/rotate' });
    for (const route of routes) expect(PUBLIC.some((p) => p.test(route.url)) || API.test(route.url) || DASHBOARD.test(route.url), route.url).toBe(true);
  });
});

describe('every API-key route', () => {
  const apiRoutes = () => routes.filter((route) => API.test(route.url) && !PUBLIC.some((p) => p.test(route.url)));

  it.each([
    ['no key', undefined, 401, 'MISSING_KEY'],
    ['a key of no one', generateApiKey('live'), 401, 'INVALID_KEY'],
    ['a revoked key', 'revoked', 401, 'INVALID_KEY'],
    ['a deactivated key', 'inactive', 401, 'INACTIVE_KEY'],
    ['an expired key', 'expired', 401, 'EXPIRED_KEY'],
    ['an IP-restricted key from another IP', 'restricted', 403, 'KEY_RESTRICTED'],
  ] as const)('refuses %s and changes nothing', async (_label, credential, status, code) => {
    const before = await ownerRecords();
    for (const route of apiRoutes()) {
      const key = credential === undefined ? undefined : credential in keys ? keys[credential as keyof typeof keys] : credential;
      const result = await apiCall(route, key);
      expect(`${route.method} ${route.url} → ${result.status} ${result.body?.code}`).toBe(`${route.method} ${route.url} → ${status} ${code}`);
      expectError(result, status, code);
    }
    expect(await ownerRecords()).toBe(before);
  });

  it("gives another account's key nothing of the owner's: ids answer as not found, lists hold only its own", async () => {
    const before = await ownerRecords();
    for (const route of apiRoutes()) {
      const result = await apiCall(route, keys.intruder);
      if (route.url.includes(':id')) {
        expect(result.status, `${route.method} ${route.url}`).toBe(403);
        expect(['SITE_NOT_FOUND', 'KEY_NOT_FOUND'], `${route.method} ${route.url}`).toContain(result.body.code);
      } else {
        expect(result.status, `${route.method} ${route.url}`).toBe(200);
      }
      for (const mark of ownerMarks) expect(result.text, `${route.method} ${route.url}`).not.toContain(mark);
    }
    expect(await ownerRecords()).toBe(before);
  });

  it('lets a test key read, and write nothing', async () => {
    const before = await ownerRecords();
    for (const route of apiRoutes()) {
      const result = await apiCall(route, keys.test);
      expect(result.status, `${route.method} ${route.url}: ${result.text}`).toBe(200);
      expect(result.body.livemode, `${route.method} ${route.url}`).toBe(false);
    }
    expect(await ownerRecords()).toBe(before);
  });
});

describe('every dashboard route behind a session', () => {
  const sessionRoutes = () => routes.filter((route) => DASHBOARD.test(route.url) && !PUBLIC.some((p) => p.test(route.url)));

  function sessionCall(route: RouteEntry, cookie: string | undefined): Promise<CallResult> {
    return dashboardCall(server, cookie, route.method, ownersPath(route).replace(/^\/dashboard\/api/, ''), hasBody(route.method) ? {} : undefined);
  }

  it.each([
    ['no session', undefined],
    ['a session id of no one', 'kg_session=sess_00000000000000000000000000000000'],
    ['a garbage cookie', 'kg_session=%27%20OR%201%3D1%20--'],
  ])('refuses %s with 401 NOT_SIGNED_IN and changes nothing', async (_label, cookie) => {
    const before = await ownerRecords();
    for (const route of sessionRoutes()) expectError(await sessionCall(route, cookie), 401, 'NOT_SIGNED_IN');
    expect(await ownerRecords()).toBe(before);
  });

  it('refuses an ended session', async () => {
    const client = await signUp(server);
    await client.request('POST', '/signout');
    for (const route of sessionRoutes()) expectError(await sessionCall(route, client.cookie), 401, 'NOT_SIGNED_IN');
  });

  it("gives another account's session nothing of the owner's: ids answer 404, lists hold only its own", async () => {
    const before = await ownerRecords();
    for (const route of sessionRoutes()) {
      const result = await sessionCall(route, intruder.cookie);
      if (route.url.includes(':id')) expectError(result, 404, 'NOT_FOUND');
      else expect(result.status, `${route.method} ${route.url}: ${result.text}`).toBeLessThan(500);
      for (const mark of ownerMarks) expect(result.text, `${route.method} ${route.url}`).not.toContain(mark);
    }
    expect(await ownerRecords()).toBe(before);
  });
});
