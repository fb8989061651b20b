import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { MONTH_COUNTS_FRESHNESS_MS } from '../../src/core/month-counts.js';
import type { RestSiteList, SiteView } from '../../src/http/responses.js';
import { startTestServer, type TestServer } from '../harness.js';
import { collectHit } from './collect-hit.js';

let server: TestServer;
/** A second server on the same data: another process on the SQLite file, or another instance scaled out. */
let elsewhere: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  elsewhere = await startTestServer({ env: server.env, clock: server.clock });
});
afterAll(async () => {
  await elsewhere?.close();
  await server?.close();
});

async function listed(secret: string): Promise<SiteView[]> {
  const { status, body } = await server.call<RestSiteList>('/api/v1/sites', { key: secret });
  expect(status).toBe(200);
  return body.sites;
}

describe('GET /api/v1/sites', () => {
  it("lists the account's sites in the Sites seed's exact shape", async () => {
    const account = await server.newAccount();
    const site = await server.services.sites.createSite(account, 'example.com');
    const { secret } = await server.newKey(account);
    const { status, body } = await server.call<RestSiteList>('/api/v1/sites', { key: secret });
    expect(status).toBe(200);
    expect(body).toEqual({
      sites: [{ id: site.id, domain: 'example.com', key: site.siteKey, events_this_month: 0, created_at: new Date(site.createdAt).toISOString() }],
    });
    expect(body.sites[0]!.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Object.keys(body.sites[0]!)).toEqual(['id', 'domain', 'key', 'events_this_month', 'created_at']);
  });

  it('shows a site created by the CLI or deleted elsewhere on the very next request', async () => {
    const account = await server.newAccount();
    const { secret } = await server.newKey(account);
    expect(await listed(secret)).toEqual([]);
    expect(await runCli(['admin', 'create-site', '--account', account, '--domain', 'cli.example.com'], server.env)).toBe(0);
    const [site] = await listed(secret);
    expect(site?.domain).toBe('cli.example.com');
    await elsewhere.services.sites.deleteSite(account, site!.id);
    expect(await listed(secret)).toEqual([]);
  });

  it('shows a site created through this server on the very next request', async () => {
    const account = await server.newAccount();
    const { secret } = await server.newKey(account);
    expect(await listed(secret)).toEqual([]);
    await server.services.sites.createSite(account, 'here.example.com');
    expect((await listed(secret)).map((site) => site.domain)).toEqual(['here.example.com']);
  });

  it("counts this server's hits in events_this_month at once, and hits taken elsewhere within a second", async () => {
    const account = await server.newAccount();
    const site = await server.services.sites.createSite(account, 'counted.example.com');
    const { secret } = await server.newKey(account);
    expect((await listed(secret))[0]?.events_this_month).toBe(0);
    for (let i = 0; i < 3; i++) expect((await collectHit(server, site.siteKey)).status).toBe(202);
    expect((await listed(secret))[0]?.events_this_month).toBe(3);
    for (let i = 0; i < 2; i++) expect((await collectHit(elsewhere, site.siteKey)).status).toBe(202);
    server.clock.advance(MONTH_COUNTS_FRESHNESS_MS);
    expect((await listed(secret))[0]?.events_this_month).toBe(5);
    // Counted again from storage, this server's next hit adds to that, not to a stale figure.
    expect((await collectHit(server, site.siteKey)).status).toBe(202);
    expect((await listed(secret))[0]?.events_this_month).toBe(6);
  });

  it('starts events_this_month afresh when a calendar month begins (UTC)', async () => {
    const account = await server.newAccount();
    const site = await server.services.sites.createSite(account, 'monthly.example.com');
    const { secret } = await server.newKey(account);
    const now = new Date(server.clock.now());
    const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    server.clock.set(nextMonth - 1);
    expect((await collectHit(server, site.siteKey)).status).toBe(202);
    expect((await listed(secret))[0]?.events_this_month).toBe(1);
    server.clock.set(nextMonth);
    expect((await listed(secret))[0]?.events_this_month).toBe(0);
    expect((await collectHit(server, site.siteKey)).status).toBe(202);
    expect((await listed(secret))[0]?.events_this_month).toBe(1);
  });
});
