import { describe, expect } from 'vitest';
import { serverTest } from '../fixtures.js';
import { CHROME_UA, collectHit } from './collect-hit.js';
import { expectError } from './expect-error.js';

// Each test signs up its own owner (and other) on the file's server: one test's sites never
// count toward another's plan or show in its lists.
const test = serverTest();

describe('sites', () => {
  test('adds a site, lists it, shows it with its tracking snippet and deletes it', async ({ server, owner }) => {
    const created = await owner.request('POST', '/sites', { domain: 'https://Blog.Example.com/' });
    expect(created.status, created.text).toBe(201);
    const site = created.body.site;
    expect(site).toEqual({
      id: expect.stringMatching(/^site_/),
      domain: 'blog.example.com',
      key: expect.stringMatching(/^ak_/),
      events_this_month: 0,
      created_at: expect.any(String),
    });
    expect((await owner.request('GET', '/sites')).body).toEqual({ sites: [site] });
    const shown = await owner.request('GET', `/sites/${site.id}`);
    expect(shown.body).toEqual({ site, snippet: `<script src="${server.url}/t.js" data-site="${site.key}" defer></script>` });
    const deleted = await owner.request('DELETE', `/sites/${site.id}`);
    expect(deleted.status).toBe(204);
    expectError(await owner.request('GET', `/sites/${site.id}`), 404, 'NOT_FOUND', 'Site not found');
  });

  test('refuses a bad domain with 400 and a fourth site on the free plan with 403 PLAN_LIMIT naming the plan', async ({ owner }) => {
    expectError(await owner.request('POST', '/sites', { domain: 'not a domain' }), 400, 'VALIDATION_ERROR', /^domain: /);
    expectError(await owner.request('POST', '/sites', {}), 400, 'VALIDATION_ERROR', 'domain: is required');
    for (const domain of ['one.example.com', 'two.example.com', 'three.example.com'])
      expect((await owner.request('POST', '/sites', { domain })).status).toBe(201);
    expectError(await owner.request('POST', '/sites', { domain: 'four.example.com' }), 403, 'PLAN_LIMIT', /free plan allows 3 sites/);
  });

  test('normalises every way of writing a domain to one host name and refuses it a second time, using no plan slot', async ({ owner, other }) => {
    const first = await owner.request('POST', '/sites', { domain: 'https://Shop.Example.com/pricing?ref=1#top' });
    expect(first.status, first.text).toBe(201);
    expect(first.body.site.domain).toBe('shop.example.com');
    for (const domain of ['shop.example.com', 'Shop.Example.com', 'https://Shop.Example.com/', 'shop.example.com.', 'http://shop.example.com:8080/a/b']) {
      expectError(await owner.request('POST', '/sites', { domain }), 400, 'VALIDATION_ERROR', 'domain: shop.example.com is already one of your sites');
    }
    for (const domain of ['ftp://shop.example.com', 'https://user:pw@other.example.com/', 'https://', 'shop..example.com']) {
      expectError(await owner.request('POST', '/sites', { domain }), 400, 'VALIDATION_ERROR', 'domain: must be a domain name such as example.com');
    }
    // Another account may track the same domain.
    expect((await other.request('POST', '/sites', { domain: 'SHOP.example.com' })).status).toBe(201);
    // The refused duplicates took no place: two more sites fit the free plan's three.
    for (const domain of ['two.example.com', 'three.example.com']) expect((await owner.request('POST', '/sites', { domain })).status).toBe(201);
    expect((await owner.request('GET', '/sites')).body.sites.map((site: any) => site.domain).sort()).toEqual([
      'shop.example.com',
      'three.example.com',
      'two.example.com',
    ]);
  });

  test("hides another account's sites: 404 NOT_FOUND to read or delete, and the site stays", async ({ owner, other }) => {
    const { body } = await owner.request('POST', '/sites', { domain: 'private.example.com' });
    expect((await other.request('GET', '/sites')).body.sites).toEqual([]);
    expectError(await other.request('GET', `/sites/${body.site.id}`), 404, 'NOT_FOUND', 'Site not found');
    expectError(await other.request('DELETE', `/sites/${body.site.id}`), 404, 'NOT_FOUND', 'Site not found');
    expect((await owner.request('GET', `/sites/${body.site.id}`)).status).toBe(200);
  });

  test('refuses an over-long id with 400 naming it', async ({ owner }) => {
    expectError(await owner.request('GET', `/sites/${'x'.repeat(101)}`), 400, 'VALIDATION_ERROR', /^id: /);
  });
});

describe('site stats', () => {
  const GPTBOT = 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)';
  /** The UTC date `days` before the server's today. */
  const statsTest = test.extend(
    'dayBefore',
    ({ server }) =>
      (days: number) =>
        new Date(server.clock.now() - days * 86_400_000).toISOString().slice(0, 10),
  );

  statsTest('answers the REST stats body of a site, counting its hits', async ({ server, owner, dayBefore }) => {
    const { body } = await owner.request('POST', '/sites', { domain: 'counted.example.com' });
    const site = body.site;
    expect(
      (await collectHit(server, site.key, { url: 'https://counted.example.com/pricing', referrer: 'https://news.example.org/item', userAgent: CHROME_UA }))
        .status,
    ).toBe(202);
    expect((await collectHit(server, site.key, { url: 'https://counted.example.com/', userAgent: GPTBOT })).status).toBe(202);
    const { status, body: stats, text } = await owner.request('GET', `/sites/${site.id}/stats?from=${dayBefore(6)}&to=${dayBefore(0)}`);
    expect(status, text).toBe(200);
    expect(Object.keys(stats)).toEqual(['site_id', 'from', 'to', 'totals', 'days', 'top_bots', 'top_paths', 'top_referrers']);
    expect(stats).toMatchObject({
      site_id: site.id,
      from: dayBefore(6),
      to: dayBefore(0),
      totals: { events: 2, humans: 1, bots: 1 },
      top_bots: [{ name: 'GPTBot', events: 1 }],
      top_referrers: [{ referrer: 'news.example.org', events: 1 }],
    });
    expect(stats.top_paths).toEqual(
      expect.arrayContaining([
        { path: '/pricing', events: 1 },
        { path: '/', events: 1 },
      ]),
    );
    expect(stats.days).toHaveLength(7);
    expect(stats.days.at(-1)).toEqual({ date: dayBefore(0), humans: 1, bots: 1 });
    const { body: byDefault } = await owner.request('GET', `/sites/${site.id}/stats`);
    expect(byDefault.days).toHaveLength(30);
  });

  statsTest("leaves the site's own host (and its www. twin) out of the top referrers, which the REST stats keep", async ({ server, owner }) => {
    const { body } = await owner.request('POST', '/sites', { domain: 'self.example.com' });
    const hits = [
      'https://self.example.com/',
      'https://self.example.com/blog',
      'https://www.self.example.com/',
      'https://news.example.org/',
      'https://blog.self.example.com/',
    ];
    for (const referrer of hits) expect((await collectHit(server, body.site.key, { url: 'https://self.example.com/pricing', referrer })).status).toBe(202);
    const { body: stats } = await owner.request('GET', `/sites/${body.site.id}/stats`);
    expect(stats.top_referrers.map((row: any) => row.referrer).sort()).toEqual(['blog.self.example.com', 'news.example.org']);
    expect(stats.totals.events).toBe(5);
    const rest = await server.call(`/api/v1/sites/${body.site.id}/stats`, { key: (await owner.request('POST', '/keys', { name: 'rest' })).body.secret });
    expect(rest.body.top_referrers).toContainEqual({ referrer: 'self.example.com', events: 2 });
  });

  statsTest('refuses a bad range with 400 naming the field, as the REST stats do', async ({ owner, dayBefore }) => {
    const { body } = await owner.request('POST', '/sites', { domain: 'ranged.example.com' });
    expectError(await owner.request('GET', `/sites/${body.site.id}/stats?from=yesterday`), 400, 'VALIDATION_ERROR', /^from: /);
    expectError(
      await owner.request('GET', `/sites/${body.site.id}/stats?from=${dayBefore(0)}&to=${dayBefore(1)}`),
      400,
      'VALIDATION_ERROR',
      'to: must not be before from',
    );
    expectError(await owner.request('GET', `/sites/${body.site.id}/stats?from=${dayBefore(400)}`), 400, 'VALIDATION_ERROR', /^from: .*366 days/);
  });

  statsTest("answers another account's site with 404 NOT_FOUND", async ({ owner, other }) => {
    const { body } = await owner.request('POST', '/sites', { domain: 'secret-stats.example.com' });
    expectError(await other.request('GET', `/sites/${body.site.id}/stats`), 404, 'NOT_FOUND', 'Site not found');
    expectError(await other.request('GET', '/sites/site_000000000000/stats'), 404, 'NOT_FOUND', 'Site not found');
  });
});

describe('overview and plan', () => {
  test('shows the sites, events and 30 days of requests, today last, counting only this account', async ({ server, owner, other }) => {
    await owner.request('POST', '/sites', { domain: 'stats.example.com' });
    const { body: created } = await owner.request('POST', '/keys', { name: 'Charted' });
    const { body: foreign } = await other.request('POST', '/keys', { name: 'Elsewhere' });
    await server.call('/api/v1/sites', { key: created.secret });
    await server.call('/api/v1/sites/site_000000000000', { key: created.secret });
    await server.call('/api/v1/sites', { key: foreign.secret });
    const { status, body } = await owner.request('GET', '/overview');
    expect(status).toBe(200);
    expect(body.sites.map((site: any) => site.domain)).toEqual(['stats.example.com']);
    expect(body.events_this_month).toBe(0);
    expect(body.requests_per_day).toHaveLength(30);
    const today = new Date(server.clock.now()).toISOString().slice(0, 10);
    expect(body.requests_per_day.at(-1)).toEqual({ date: today, requests: 2, errors: 1 });
    expect(body.requests_per_day[0]).toEqual({ date: new Date(server.clock.now() - 29 * 86_400_000).toISOString().slice(0, 10), requests: 0, errors: 0 });
  });

  test("shows the plan's limits and what is used", async ({ owner }) => {
    await owner.request('POST', '/sites', { domain: 'plan.example.com' });
    await owner.request('POST', '/keys', { name: 'one' });
    const { body } = await owner.request('GET', '/plan');
    expect(body).toEqual({
      plan: { name: 'free', max_keys: 3, per_key_per_minute: 60, account_per_second: 10, account_per_minute: 180, max_sites: 3, log_retention_days: 30 },
      usage: { keys: 1, sites: 1 },
    });
  });
});

describe('the public API document', () => {
  test('leaves the dashboard API out', async ({ server }) => {
    const { body } = await server.call('/openapi.json');
    expect(Object.keys(body.paths).length).toBeGreaterThan(0);
    expect(Object.keys(body.paths).filter((path) => path.startsWith('/dashboard'))).toEqual([]);
  });

  test('answers unknown dashboard API routes with the JSON 404', async ({ owner }) => {
    expectError(await owner.request('GET', '/nothing-here'), 404, 'NOT_FOUND');
    expectError(await owner.request('PUT', '/keys'), 404, 'NOT_FOUND');
  });
});
