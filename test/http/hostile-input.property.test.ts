import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallResult, startTestServer, type TestServer } from '../harness.js';
import { type DashboardClient, signUp } from './dashboard-client.js';
import { REQUEST_ID } from './expect-error.js';
import { type RouteEntry, routeTable } from './route-table.js';

/**
 * Property-based: hostile headers, paths, queries and bodies, on every route of the route
 * table, never get a 5xx, always get SPEC §3's three-field body when refused, and a refused
 * request never changes a stored record. Runs are few (the suite stays fast) but new each time;
 * a failure prints the seed and the shrunk request to replay.
 */

const RUNS = 40;

let server: TestServer;
let routes: RouteEntry[];
let owner: DashboardClient;
let testKey: string;

beforeAll(async () => {
  server = await startTestServer({
    env: { AUTH_FAIL_LIMIT: '1000000', COLLECT_IP_PER_SECOND: '1000000' },
    plans: { roomy: { max_keys: 1000, max_sites: null, account_per_second: null, account_per_minute: null, per_key_per_minute: null } },
  });
  routes = routeTable(server.app).filter((route) => !route.url.startsWith('/docs'));
  owner = await signUp(server);
  await server.services.accounts.setPlan(owner.accountId, 'roomy');
  await server.services.sites.createSite(owner.accountId, 'owner.example.com');
  // A test key: it passes authentication everywhere and its writes are dry runs, so the owner's records hold still.
  testKey = (await server.newKey(owner.accountId, { mode: 'test' })).secret;
});
afterAll(() => server.close());

/**
 * Every stored record but what a request writes however it is answered: its log row, and the
 * key's last use and usage counts (a request refused by the route itself, after checks 1–9, is
 * a request the key made, SPEC §3–4).
 */
async function records(): Promise<string> {
  const rows = JSON.parse(await server.tableRows(['accounts', 'users', 'api_keys', 'sites'])) as Array<Array<Record<string, unknown>>>;
  const kept = (row: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(row).filter(([column]) => column !== 'last_used_at' && !column.startsWith('usage_')));
  return JSON.stringify(rows.map((table) => table.map(kept)));
}

/**
 * Text a header may carry on the wire (fetch refuses CR, LF and NUL): printable ASCII and
 * Latin-1, some of it long, but all headers together within Node's 16 KB: errors of the HTTP
 * parser itself (431, a NUL in a header) are another change's concern (issue 11, item 9).
 */
const headerText = fc.oneof(
  fc.string({ maxLength: 40 }).map((text) => text.replace(/[^\x20-\x7e]/g, '')),
  fc.constantFrom('', ' ', 'null', '%00', "' OR 1=1 --", 'Bearer', 'Bearer ', 'bearer sk_live_', 'Basic Zm9vOmJhcg==', '\u00ff\u00e9', 'x'.repeat(2000)),
);
/** Any text at all: every code point, lone surrogates included, and the classics. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ maxLength: 30 }),
  fc.constantFrom('\ud800', '\ufffe', '../..', '%zz', '0', '-1', '1e309', 'NaN', 'null', '<script>', 'x'.repeat(3000)),
);
const jsonValue = fc.oneof(anyText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(anyText, { maxLength: 3 }));
/** Bodies: random JSON, objects with the fields the routes know, and text that is not JSON. */
const FIELDS = [
  'email',
  'password',
  'name',
  'category',
  'mode',
  'expires_at',
  'quotas',
  'restrictions',
  'grace_seconds',
  'domain',
  'site',
  'url',
  'referrer',
  'key',
];
const body = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom(...FIELDS), jsonValue, { maxKeys: 5 }).map((object) => JSON.stringify(object)),
  fc.constantFrom(
    '',
    '{',
    '[]',
    '"x"',
    'null',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    JSON.stringify({ site: 'ak_000000000000000000000000', url: 'https://e.x/' }),
  ),
);

const request = fc.record({
  routeIndex: fc.nat(),
  method: fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), { nil: undefined }),
  id: fc.oneof(anyText, fc.constantFrom('site_000000000000', 'key_0000000000000000')),
  query: fc.dictionary(anyText, anyText, { maxKeys: 3 }),
  auth: fc.oneof(headerText, fc.constant('valid')),
  headers: fc.dictionary(
    fc.constantFrom('origin', 'referer', 'x-forwarded-for', 'content-type', 'cookie', 'user-agent', 'accept', 'x-request-id'),
    headerText,
    { maxKeys: 4 },
  ),
  contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined),
  body: fc.option(body, { nil: undefined }),
  session: fc.boolean(),
});

type HostileRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

/** A route's path with its parameters filled with `id`, percent-encoded; a lone surrogate as the UTF-8 bytes it would have (invalid UTF-8). */
function pathOf(route: RouteEntry, id: string): string {
  const segment = id
    .split(/(\p{Cs})/u)
    .map((part) => (/^\p{Cs}$/u.test(part) ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');
  // The SPA's catch-all `*` takes any path.
  return route.url === '*' ? `/${segment}` : route.url.replace(/:id/g, segment);
}

async function send(input: HostileRequest): Promise<{ route: RouteEntry; method: string; result: CallResult }> {
  const route = routes[input.routeIndex % routes.length]!;
  const method = input.method ?? route.method;
  const query = new URLSearchParams(Object.entries(input.query)).toString();
  const headers: Record<string, string> = { ...input.headers };
  if (input.auth === 'valid') headers.authorization = `Bearer ${testKey}`;
  else if (input.auth !== '') headers.authorization = input.auth;
  if (input.session) headers.cookie = owner.cookie;
  if (input.body !== undefined && input.contentType !== undefined) headers['content-type'] = input.contentType;
  // Sign-out would end the owner's session the other runs use; it is fuzzed without one.
  if (route.url === '/dashboard/api/signout') delete headers.cookie;
  const canHaveBody = method !== 'GET' && method !== 'OPTIONS';
  const result = await server.call(`${pathOf(route, input.id)}${query ? `?${query}` : ''}`, {
    method,
    headers,
    ...(canHaveBody && input.body !== undefined && { body: input.body }),
  });
  return { route, method, result };
}

function expectDocumentedAnswer({ route, method, result }: { route: RouteEntry; method: string; result: CallResult }): void {
  const where = `${method} ${route.url} → ${result.status} ${result.text.slice(0, 200)}`;
  expect(result.status, where).toBeLessThan(500);
  if (result.status >= 400 && route.url.startsWith('/oauth/') && method === route.method) {
    // SPEC §11: the OAuth endpoints answer with RFC 6749's body (another method is the router's 404).
    expect(Object.keys(result.body ?? {}), where).toEqual(['error', 'error_description']);
    expect(typeof result.body.error_description, where).toBe('string');
  } else if (result.status >= 400) {
    expect(Object.keys(result.body ?? {}), where).toEqual(['error', 'code', 'request_id']);
    expect(result.body.request_id, where).toMatch(REQUEST_ID);
    expect(typeof result.body.error, where).toBe('string');
  }
}

describe('hostile requests on every route', () => {
  it('never get a 5xx, always get the three-field body when refused, and change nothing when refused', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const before = await records();
        const answer = await send(input);
        expectDocumentedAnswer(answer);
        if (answer.result.status >= 400) expect(await records(), `${answer.method} ${answer.route.url} changed a record`).toBe(before);
      }),
      { numRuns: RUNS },
    );
  });

  it("hold on the dashboard API with the owner's session: bodies of every shape on every mutation", async () => {
    const mutations = routes.filter((route) => route.url.startsWith('/dashboard/api/') && route.method !== 'GET' && route.url !== '/dashboard/api/signout');
    await fc.assert(
      fc.asyncProperty(fc.nat(), anyText, body, fc.constantFrom('application/json', 'text/plain'), async (index, id, text, contentType) => {
        const route = mutations[index % mutations.length]!;
        const before = await records();
        const result = await server.call(pathOf(route, id), {
          method: route.method,
          headers: { origin: server.url, cookie: owner.cookie, 'content-type': contentType },
          body: text,
        });
        expectDocumentedAnswer({ route, method: route.method, result });
        if (result.status >= 400) expect(await records()).toBe(before);
      }),
      { numRuns: RUNS },
    );
  });
});
