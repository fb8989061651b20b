import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Site } from '../../src/core/model.js';
import { ManualClock } from '../../src/lib/clock.js';
import { startTestServer, type TestServer } from '../harness.js';
import { collectHit } from './collect-hit.js';
import { expectError } from './expect-error.js';

const GPTBOT = 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

let server: TestServer;
let account: string;
let secret: string;

beforeAll(async () => {
  // 2026-01-15 12:00 UTC; each test sets the clock it needs.
  server = await startTestServer({ clock: new ManualClock(Date.UTC(2026, 0, 15, 12)) });
  account = await server.newAccount({ plan: 'pro' });
  ({ secret } = await server.newKey(account));
});
afterAll(() => server.close());

async function newSite(): Promise<Site> {
  return server.services.sites.createSite(account, `site${Math.random().toString(36).slice(2, 8)}.example.com`);
}

/** Hits at the given UTC time; one client, well within the limits. */
async function hitsAt(site: Site, isoTime: string, count: number, options: Parameters<typeof collectHit>[2] = {}): Promise<void> {
  server.clock.set(Date.parse(isoTime));
  for (let i = 0; i < count; i++) {
    const { status, text } = await collectHit(server, site.siteKey, options);
    expect(status, text).toBe(202);
  }
  // Past the one-second window, so the next batch of hits starts afresh.
  server.clock.advance(1000);
}

async function stats(site: Site, query = '', key = secret) {
  return server.call(`/api/v1/sites/${site.id}/stats${query}`, { key });
}

describe('GET /api/v1/sites/:id/stats', () => {
  it("answers the last 30 days by default, every day listed with zeros, in SPEC §5's exact shape", async () => {
    const site = await newSite();
    server.clock.set(Date.UTC(2026, 0, 15, 12));
    const { status, body, text } = await stats(site);
    expect(status, text).toBe(200);
    expect(Object.keys(body)).toEqual(['site_id', 'from', 'to', 'totals', 'days', 'top_bots', 'top_paths', 'top_referrers']);
    expect(body).toMatchObject({
      site_id: site.id,
      from: '2025-12-17',
      to: '2026-01-15',
      totals: { events: 0, humans: 0, bots: 0 },
      top_bots: [],
      top_paths: [],
      top_referrers: [],
    });
    expect(body.days).toHaveLength(30);
    expect(body.days[0]).toEqual({ date: '2025-12-17', humans: 0, bots: 0 });
    expect(body.days.at(-1)).toEqual({ date: '2026-01-15', humans: 0, bots: 0 });
  });

  it('counts humans and bots per UTC day within from..to, both included', async () => {
    const site = await newSite();
    await hitsAt(site, '2026-03-01T00:00:00.000Z', 2);
    await hitsAt(site, '2026-03-01T23:59:58.000Z', 1, { userAgent: GPTBOT });
    await hitsAt(site, '2026-03-03T12:00:00.000Z', 1, { userAgent: GOOGLEBOT });
    await hitsAt(site, '2026-03-04T00:00:00.000Z', 5);
    const { body } = await stats(site, '?from=2026-02-28&to=2026-03-03');
    expect(body.days).toEqual([
      { date: '2026-02-28', humans: 0, bots: 0 },
      { date: '2026-03-01', humans: 2, bots: 1 },
      { date: '2026-03-02', humans: 0, bots: 0 },
      { date: '2026-03-03', humans: 0, bots: 1 },
    ]);
    expect(body.totals).toEqual({ events: 4, humans: 2, bots: 2 });
    expect(body.top_bots).toEqual([
      { name: 'GPTBot', events: 1 },
      { name: 'Googlebot', events: 1 },
    ]);
    expect((await stats(site, '?from=2026-03-04&to=2026-03-04')).body.totals).toEqual({ events: 5, humans: 5, bots: 0 });
  });

  it('defaults from to 29 days before a given to', async () => {
    const site = await newSite();
    const { body } = await stats(site, '?to=2025-06-30');
    expect([body.from, body.to, body.days.length]).toEqual(['2025-06-01', '2025-06-30', 30]);
  });

  it('lists at most 10 top paths and referrers, most events first, referrers by host and empty ones left out', async () => {
    const site = await newSite();
    server.clock.set(Date.UTC(2026, 4, 10, 9));
    for (let page = 1; page <= 12; page++) {
      for (let i = 0; i < page; i++) {
        expect(
          (await collectHit(server, site.siteKey, { url: `https://shop.example.com/p${page}?utm=${i}`, referrer: `https://ref${page}.example.org/post/${i}` }))
            .status,
        ).toBe(202);
      }
      server.clock.advance(1000);
    }
    await hitsAt(site, '2026-05-10T10:00:00.000Z', 2, { url: 'https://shop.example.com/p1', referrer: '' });
    await hitsAt(site, '2026-05-10T11:00:00.000Z', 1, { url: 'https://shop.example.com/p1' });
    const { body } = await stats(site, '?from=2026-05-10&to=2026-05-10');
    expect(body.totals.events).toBe(78 + 3);
    expect(body.top_paths).toHaveLength(10);
    expect(body.top_paths.slice(0, 3)).toEqual([
      { path: '/p12', events: 12 },
      { path: '/p11', events: 11 },
      { path: '/p10', events: 10 },
    ]);
    // /p1 has 1 + 3 hits: it ties with /p4, and ties go by value.
    expect(body.top_paths.slice(-2)).toEqual([
      { path: '/p1', events: 4 },
      { path: '/p4', events: 4 },
    ]);
    expect(body.top_referrers).toHaveLength(10);
    expect(body.top_referrers[0]).toEqual({ referrer: 'ref12.example.org', events: 12 });
    expect(body.top_referrers.some((entry: { referrer: string }) => entry.referrer === '')).toBe(false);
  });

  it.each([
    ['?from=yesterday', 'from: must be a date YYYY-MM-DD'],
    ['?from=2026-02-30', 'from: must be a date YYYY-MM-DD'],
    ['?to=2026-1-5', 'to: must be a date YYYY-MM-DD'],
    ['?from=', 'from: must be a date YYYY-MM-DD'],
    ['?from=2026-01-10&to=2026-01-09', 'to: must not be before from'],
    ['?from=2025-01-01&to=2026-01-02', 'from: the range may span at most 366 days'],
  ])('answers 400 VALIDATION_ERROR for %s', async (query, message) => {
    expectError(await stats(await newSite(), query), 400, 'VALIDATION_ERROR', message);
  });

  it('takes a span of exactly 366 days', async () => {
    const { status, body } = await stats(await newSite(), '?from=2024-01-01&to=2024-12-31');
    expect(status).toBe(200);
    expect(body.days).toHaveLength(366);
  });

  it("answers 403 SITE_NOT_FOUND for another account's site and for a made-up id", async () => {
    const site = await newSite();
    const other = await server.newAccount();
    const { secret: otherKey } = await server.newKey(other);
    expectError(await stats(site, '', otherKey), 403, 'SITE_NOT_FOUND', 'Site not found');
    expectError(await server.call('/api/v1/sites/site_000000000000/stats', { key: secret }), 403, 'SITE_NOT_FOUND');
  });

  it('marks answers to test keys with livemode false', async () => {
    const { secret: testKey } = await server.newKey(account, { mode: 'test' });
    const { status, body } = await stats(await newSite(), '', testKey);
    expect(status).toBe(200);
    expect(body.livemode).toBe(false);
  });

  it('is an API-key route: no key, no stats', async () => {
    expectError(await server.call(`/api/v1/sites/${(await newSite()).id}/stats`), 401, 'MISSING_KEY');
  });
});

describe('events_this_month', () => {
  it('counts the calendar month in UTC, bots included, and starts again at the month boundary', async () => {
    const site = await newSite();
    const eventsThisMonth = async () => {
      const list = await server.call('/api/v1/sites', { key: secret });
      const one = await server.call(`/api/v1/sites/${site.id}`, { key: secret });
      const listed = list.body.sites.find((entry: { id: string }) => entry.id === site.id).events_this_month;
      expect(one.body.site.events_this_month).toBe(listed);
      return listed;
    };
    await hitsAt(site, '2026-06-15T08:00:00.000Z', 3);
    await hitsAt(site, '2026-07-31T23:59:58.000Z', 1);
    await hitsAt(site, '2026-07-31T23:59:58.500Z', 1, { userAgent: GPTBOT });
    server.clock.set(Date.UTC(2026, 6, 31, 23, 59, 59, 999));
    expect(await eventsThisMonth()).toBe(2);
    server.clock.set(Date.UTC(2026, 7, 1));
    expect(await eventsThisMonth()).toBe(0);
    await hitsAt(site, '2026-08-01T00:00:00.000Z', 1);
    expect(await eventsThisMonth()).toBe(1);
  });
});
