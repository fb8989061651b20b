import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { startTestServer, type TestServer } from '../harness.js';
import { type DashboardClient, signUp } from './dashboard-client.js';
import { expectError } from './expect-error.js';

let server: TestServer;
let owner: DashboardClient;
let other: DashboardClient;
let first: { key: any; secret: string };
let second: { key: any; secret: string };
const start = Date.UTC(2026, 5, 1, 12);

async function createKey(client: DashboardClient, name: string) {
  return (await client.request('POST', '/keys', { name })).body as { key: any; secret: string };
}

beforeAll(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1' } });
  server.clock.set(start);
  owner = await signUp(server);
  other = await signUp(server);
  first = await createKey(owner, 'First, "quoted"');
  second = await createKey(owner, 'Second');
  // Six requests a minute apart: 200, 403, 200, 429-free limits, so vary by route instead.
  const calls: Array<[string, string, Record<string, string>?]> = [
    [first.secret, '/api/v1/sites'],
    [first.secret, '/api/v1/sites/site_000000000000'],
    [second.secret, '/api/v1/sites', { 'user-agent': '=HYPERLINK("http://evil.example","x")', referer: 'https://a.example/p?x=1,2' }],
    [first.secret, '/api/v1/api-keys'],
    [second.secret, '/api/v1/sites/site_000000000001'],
    [first.secret, '/api/v1/sites', { 'user-agent': '@SUM(1+1)' }],
  ];
  for (const [key, path, headers] of calls) {
    await server.call(path, { key, ...(headers && { headers }) });
    server.clock.advance(60_000);
  }
  await server.call('/api/v1/sites', { key: (await createKey(other, 'Theirs')).secret });
});
afterAll(() => server.close());

describe('GET /logs', () => {
  it("lists the account's requests newest first with the key name, and the total", async () => {
    const { status, body } = await owner.request('GET', '/logs');
    expect(status).toBe(200);
    expect(body.total).toBe(6);
    expect(body.next_cursor).toBeNull();
    expect(body.logs.map((log: any) => log.status)).toEqual([200, 403, 200, 200, 403, 200]);
    expect(body.logs[0]).toEqual({
      id: expect.stringMatching(/^req_/),
      time: new Date(start + 5 * 60_000).toISOString(),
      key_id: first.key.id,
      key_name: 'First, "quoted"',
      mode: 'live',
      method: 'GET',
      route: '/api/v1/sites',
      path: '/api/v1/sites',
      status: 200,
      code: null,
      duration_ms: expect.any(Number),
      ip: '127.0.0.1',
      referrer: null,
      user_agent: '@SUM(1+1)',
      credits: 1,
      auth: 'key',
      requests: 1,
    });
  });

  it('filters by key, status class and time range', async () => {
    const ids = async (query: string) => {
      const { status, body, text } = await owner.request('GET', `/logs?${query}`);
      expect(status, text).toBe(200);
      expect(body.total).toBe(body.logs.length);
      return body.logs.map((log: any) => log.time);
    };
    expect(await ids(`key=${second.key.id}`)).toHaveLength(2);
    expect(await ids('status=4xx')).toHaveLength(2);
    expect(await ids('status=2xx')).toHaveLength(4);
    expect(await ids('status=5xx')).toHaveLength(0);
    expect(await ids('status=429')).toHaveLength(0);
    const from = new Date(start + 60_000).toISOString();
    const to = new Date(start + 3 * 60_000).toISOString();
    expect(await ids(`from=${from}&to=${to}`)).toEqual([to, new Date(start + 2 * 60_000).toISOString(), from]);
    expect(await ids(`key=${second.key.id}&status=4xx`)).toHaveLength(1);
  });

  it('pages with an opaque cursor, keeping the total', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { body } = await owner.request('GET', `/logs?${query}`);
      expect(body.total).toBe(6);
      seen.push(...body.logs.map((log: any) => log.id));
      cursor = body.next_cursor;
    } while (cursor);
    const all = (await owner.request('GET', '/logs?limit=200')).body.logs.map((log: any) => log.id);
    expect(seen).toEqual(all);
    expect(new Set(seen).size).toBe(6);
  });

  it('finds a request by the request id its answer carried, in this account only', async () => {
    const searcher = await signUp(server);
    const key = await createKey(searcher, 'Searched');
    for (const path of ['/api/v1/sites', '/api/v1/sites/site_000000000002', '/api/v1/sites']) await server.call(path, { key: key.secret });
    const answer = await server.call('/api/v1/sites/site_000000000002', { key: key.secret });
    const requestId = answer.body.request_id;
    expect(requestId).toMatch(/^req_[0-9A-Za-z]{20}$/);
    const found = await searcher.request('GET', `/logs?request_id=${requestId}`);
    expect(found.status, found.text).toBe(200);
    expect(found.body.total).toBe(1);
    expect(found.body.logs).toEqual([expect.objectContaining({ id: requestId, key_id: key.key.id, status: 403, code: 'SITE_NOT_FOUND' })]);
    expect((await owner.request('GET', `/logs?request_id=${requestId}`)).body).toEqual({ logs: [], next_cursor: null, total: 0 });
    expectError(await searcher.request('GET', '/logs?request_id=req_short'), 400, 'VALIDATION_ERROR', /^request_id: /);
  });

  it('refuses bad filters and cursors with 400 naming the field', async () => {
    for (const [query, field] of [
      ['status=3xx', 'status'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['from=yesterday', 'from'],
      ['cursor=bm9wZQ', 'cursor'],
      ['color=red', 'color'],
      [`from=${new Date(start + 60_000).toISOString()}&to=${new Date(start).toISOString()}`, 'to'],
    ]) {
      expectError(await owner.request('GET', `/logs?${query}`), 400, 'VALIDATION_ERROR', new RegExp(`^${field}: `));
    }
  });

  it('shows another account nothing of this account, even when filtering by its key', async () => {
    const { body } = await other.request('GET', `/logs?key=${first.key.id}`);
    expect(body).toEqual({ logs: [], next_cursor: null, total: 0 });
    expect((await other.request('GET', '/logs')).body.total).toBe(1);
    const csv = await other.request('GET', `/logs.csv?key=${first.key.id}`);
    expect(csv.text.trim().split('\r\n')).toHaveLength(1);
  });
});

describe('GET /logs.csv', () => {
  it('exports the matching rows as an attachment, escaped and safe to open in a spreadsheet', async () => {
    const result = await owner.request('GET', `/logs.csv?key=${second.key.id}`);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(result.headers.get('content-disposition')).toBe('attachment; filename="keygate-logs.csv"');
    const lines = result.text.split('\r\n');
    expect(lines[0]).toBe('time,key_id,key_name,mode,method,route,path,status,code,duration_ms,ip,referrer,user_agent,credits,auth,id,requests');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(lines[2]).toContain(`,${second.key.id},Second,live,GET,/api/v1/sites,/api/v1/sites,200,,`);
    expect(lines[2]).toContain(`,127.0.0.1,"https://a.example/p?x=1,2","'=HYPERLINK(""http://evil.example"",""x"")",1,key,req_`);
    const quoted = await owner.request('GET', `/logs.csv?key=${first.key.id}&status=2xx`);
    expect(quoted.text).toContain(`,"First, ""quoted""",`);
    expect(quoted.text).toContain(`,'@SUM(1+1),`);
  });
});

describe('GET /audit', () => {
  it('records dashboard, REST and CLI actions newest first, with the user for dashboard ones', async () => {
    const client = await signUp(server);
    const { body: created } = await client.request('POST', '/keys', { name: 'Audited' });
    await client.request('PATCH', `/keys/${created.key.id}`, { category: 'staging' });
    await client.request('POST', `/keys/${created.key.id}/deactivate`);
    await client.request('POST', `/keys/${created.key.id}/reactivate`);
    const { body: rotated } = await client.request('POST', `/keys/${created.key.id}/rotate`, {});
    const { body: site } = await client.request('POST', '/sites', { domain: 'audit.example.com' });
    await client.request('DELETE', `/sites/${site.site.id}`);
    const { body: spare } = await client.request('POST', '/keys', { name: 'Spare' });
    await client.request('DELETE', `/keys/${spare.key.id}`);
    await server.call(`/api/v1/api-keys/${rotated.key.id}`, { key: rotated.secret, method: 'DELETE' });
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await runCli(['admin', 'create-key', '--account', client.accountId, '--name', 'From CLI'], server.env)).toBe(0);
    } finally {
      stdout.mockRestore();
    }

    const { status, body } = await client.request('GET', '/audit?limit=200');
    expect(status).toBe(200);
    expect(body.next_cursor).toBeNull();
    const user = { id: client.userId, email: client.email };
    expect(body.entries.map((entry: any) => [entry.action, entry.target_name, entry.user?.id ?? null, entry.details.via])).toEqual([
      ['key.created', 'From CLI', null, 'cli'],
      ['key.revoked', 'Audited (rotated)', null, 'api'],
      ['key.deleted', 'Spare', client.userId, 'dashboard'],
      ['key.created', 'Spare', client.userId, 'dashboard'],
      ['site.deleted', 'audit.example.com', client.userId, 'dashboard'],
      ['site.created', 'audit.example.com', client.userId, 'dashboard'],
      ['key.rotated', 'Audited', client.userId, 'dashboard'],
      ['key.reactivated', 'Audited', client.userId, 'dashboard'],
      ['key.deactivated', 'Audited', client.userId, 'dashboard'],
      ['key.updated', 'Audited', client.userId, 'dashboard'],
      ['key.created', 'Audited', client.userId, 'dashboard'],
    ]);
    const rotation = body.entries.find((entry: any) => entry.action === 'key.rotated');
    expect(rotation).toEqual({
      id: expect.stringMatching(/^aud_/),
      time: expect.any(String),
      user,
      action: 'key.rotated',
      target_type: 'api_key',
      target_id: created.key.id,
      target_name: 'Audited',
      details: { via: 'dashboard', replacement_id: rotated.key.id, replacement_name: 'Audited (rotated)', grace_seconds: 0 },
    });
    expect(JSON.stringify(body)).not.toContain(rotated.secret);
  });

  it('pages with a cursor and shows nothing of another account', async () => {
    const client = await signUp(server);
    for (const name of ['a', 'b', 'c']) await client.request('POST', '/keys', { name });
    const page1 = (await client.request('GET', '/audit?limit=2')).body;
    expect(page1.entries.map((entry: any) => entry.target_name)).toEqual(['c', 'b']);
    const page2 = (await client.request('GET', `/audit?limit=2&cursor=${page1.next_cursor}`)).body;
    expect(page2).toEqual({ entries: [expect.objectContaining({ target_name: 'a' })], next_cursor: null });
    const theirs = (await other.request('GET', '/audit?limit=200')).body.entries;
    expect(theirs.map((entry: any) => entry.target_name)).toEqual(['Theirs']);
    expectError(await client.request('GET', '/audit?cursor=%%%'), 400, 'VALIDATION_ERROR');
  });
});
