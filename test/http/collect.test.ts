import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Site } from '../../src/core/model.js';
import { generateApiKey } from '../../src/lib/key-format.js';
import { startTestServer, type TestServer } from '../harness.js';
import { CHROME_UA, collectHit } from './collect-hit.js';
import { expectError } from './expect-error.js';
import { forwardedFor } from './forwarded-for.js';

let server: TestServer;
let account: string;
let secret: string;
let site: Site;

beforeAll(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1' } });
  account = await server.newAccount({ plan: 'pro' });
  ({ secret } = await server.newKey(account));
});
afterAll(() => server.close());

/** A fresh site, so each test counts only its own events and has its own site-key limit. */
async function newSite(): Promise<Site> {
  return server.services.sites.createSite(account, `site${Math.random().toString(36).slice(2, 8)}.example.com`);
}

async function stats(siteId: string) {
  const { status, body, text } = await server.call(`/api/v1/sites/${siteId}/stats`, { key: secret });
  expect(status, text).toBe(200);
  return body;
}

/** A distinct client IP per test, so the per-IP limit of one test never touches another. */
let ips = 0;
const nextIp = () => `198.51.100.${++ips}`;

beforeAll(async () => {
  site = await newSite();
});

describe('POST /api/v1/collect', () => {
  it('answers 202 with no body to a text/plain beacon and to application/json, and counts both', async () => {
    const fresh = await newSite();
    const beacon = await collectHit(server, fresh.siteKey, { headers: forwardedFor(nextIp()) });
    expect(beacon.status, beacon.text).toBe(202);
    expect(beacon.text).toBe('');
    const json = await server.call('/api/v1/collect', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': CHROME_UA, ...forwardedFor(nextIp()) },
      body: JSON.stringify({ site: fresh.siteKey, url: 'https://example.com/pricing?plan=pro#top', referrer: 'https://news.example.org/item?id=1' }),
    });
    expect(json.status, json.text).toBe(202);
    const body = await stats(fresh.id);
    expect(body.totals).toEqual({ events: 2, humans: 2, bots: 0 });
    expect(body.top_paths).toEqual([
      { path: '/', events: 1 },
      { path: '/pricing', events: 1 },
    ]);
    expect(body.top_referrers).toEqual([{ referrer: 'news.example.org', events: 1 }]);
  });

  it('is open to every origin, preflight included', async () => {
    const preflight = await server.call('/api/v1/collect', {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    const hit = await collectHit(server, site.siteKey, { headers: { origin: 'https://shop.example.com', ...forwardedFor(nextIp()) } });
    expect(hit.status).toBe(202);
    expect(hit.headers.get('access-control-allow-origin')).toBe('*');
    const refused = await collectHit(server, 'ak_000000000000000000000000', { headers: forwardedFor(nextIp()) });
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers 413 PAYLOAD_TOO_LARGE over 8192 bytes, and takes a body of exactly 8192', async () => {
    const ip = nextIp();
    const padded = (size: number) => {
      const bare = JSON.stringify({ site: site.siteKey, url: 'https://example.com/?q=' });
      return JSON.stringify({ site: site.siteKey, url: `https://example.com/?q=${'a'.repeat(size - bare.length)}` });
    };
    expect(padded(8192)).toHaveLength(8192);
    const headers = { 'content-type': 'text/plain', ...forwardedFor(ip) };
    // 8192 bytes passes the size check, and its over-long url is stored cut (SPEC §6).
    expect((await server.call('/api/v1/collect', { method: 'POST', headers, body: padded(8192) })).status).toBe(202);
    expectError(await server.call('/api/v1/collect', { method: 'POST', headers, body: padded(8193) }), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 400 INVALID_SITE_KEY for a well-formed key that no site has', async () => {
    expectError(await collectHit(server, 'ak_000000000000000000000000', { headers: forwardedFor(nextIp()) }), 400, 'INVALID_SITE_KEY', 'Invalid site key');
  });

  it("refuses the site key of a deleted site from the very next hit, and takes a new site's key at once", async () => {
    const doomed = await newSite();
    expect((await collectHit(server, doomed.siteKey, { headers: forwardedFor(nextIp()) })).status).toBe(202);
    expect((await collectHit(server, doomed.siteKey, { headers: forwardedFor(nextIp()) })).status).toBe(202);
    await server.services.sites.deleteSite(account, doomed.id);
    expectError(await collectHit(server, doomed.siteKey, { headers: forwardedFor(nextIp()) }), 400, 'INVALID_SITE_KEY');
    const fresh = await newSite();
    expect((await collectHit(server, fresh.siteKey, { headers: forwardedFor(nextIp()) })).status).toBe(202);
  });

  const KEY = 'ak_000000000000000000000000';
  it.each([
    ['not JSON', '{not json', /^body: /],
    ['no site', { url: 'https://example.com/' }, /^site: is required/],
    ['a short site key', { site: 'ak_short', url: 'https://example.com/' }, /^site: must be a site key/],
    ['an API key as site key', { site: generateApiKey('live'), url: 'https://example.com/' }, /^site: must be a site key/],
    ['no url', { site: KEY }, /^url: is required/],
    ['a relative url', { site: KEY, url: '/pricing' }, /^url: must be an absolute http\(s\) URL/],
    ['a javascript: url', { site: KEY, url: 'javascript:alert(1)' }, /^url: must be an http\(s\) URL/],
    ['an ftp referrer', { site: KEY, url: 'https://example.com/', referrer: 'ftp://files.example.com/' }, /^referrer: must be an http\(s\) URL/],
    ['an unknown field', { site: KEY, url: 'https://example.com/', extra: 1 }, /^extra: is not a known field/],
    ['an array', [KEY], /^body: /],
  ])('answers 400 VALIDATION_ERROR naming the field for %s', async (_label, body, message) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const result = await server.call('/api/v1/collect', { method: 'POST', headers: { 'content-type': 'text/plain', ...forwardedFor(nextIp()) }, body: text });
    expectError(result, 400, 'VALIDATION_ERROR', message);
  });

  it('accepts a url and a referrer over 2048 characters and stores them cut to 2048, never mid-character', async () => {
    const fresh = await newSite();
    const url = `https://example.com/search/${'q'.repeat(2100)}?${'x=1&'.repeat(400)}`;
    const referrer = `https://news.example.org/${'r'.repeat(2022)}😀${'s'.repeat(100)}`;
    expect(referrer.indexOf('😀')).toBe(2047); // the cut falls between the emoji's two UTF-16 halves
    const result = await collectHit(server, fresh.siteKey, { headers: forwardedFor(nextIp()), url, referrer });
    expect(result.status, result.text).toBe(202);
    const [events] = JSON.parse(await server.tableRows(['events'])) as Array<Array<{ site_id: string; url: string; referrer: string }>>;
    const stored = events!.find((event) => event.site_id === fresh.id)!;
    expect(stored.url).toBe(url.slice(0, 2048));
    expect(stored.referrer).toBe(referrer.slice(0, 2047));
    const { top_paths, top_referrers } = await stats(fresh.id);
    expect(top_paths).toEqual([{ path: `/search/${'q'.repeat(2100)}`.slice(0, 2048), events: 1 }]);
    expect(top_referrers).toEqual([{ referrer: 'news.example.org', events: 1 }]);
  });

  it('refuses other content types with a VALIDATION_ERROR', async () => {
    const result = await server.call('/api/v1/collect', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...forwardedFor(nextIp()) },
      body: 'site=ak_x',
    });
    expectError(result, 400, 'VALIDATION_ERROR', /^body: /);
  });

  it('admits exactly 100 hits per site key in a rolling second, whatever the IPs', async () => {
    const limited = await newSite();
    const hits = Array.from({ length: 100 }, (_, i) => collectHit(server, limited.siteKey, { headers: forwardedFor(`203.0.113.${Math.floor(i / 10)}`) }));
    expect((await Promise.all(hits)).map((hit) => hit.status)).toEqual(Array(100).fill(202));
    const refused = await collectHit(server, limited.siteKey, { headers: forwardedFor(nextIp()) });
    expectError(refused, 429, 'RATE_LIMITED', 'Too many events: this site key is limited to 100 per second');
    expect(refused.headers.get('retry-after')).toBe('1');
    // Another site's key is not affected.
    expect((await collectHit(server, site.siteKey, { headers: forwardedFor(nextIp()) })).status).toBe(202);
    server.clock.advance(999);
    expect((await collectHit(server, limited.siteKey, { headers: forwardedFor(nextIp()) })).status).toBe(429);
    server.clock.advance(1);
    expect((await collectHit(server, limited.siteKey, { headers: forwardedFor(nextIp()) })).status).toBe(202);
    expect((await stats(limited.id)).totals.events).toBe(101);
  });

  it('admits exactly 20 hits per client IP in a rolling second, whatever the site keys', async () => {
    const ip = nextIp();
    const [first, second] = [await newSite(), await newSite()];
    const hits = Array.from({ length: 20 }, (_, i) => collectHit(server, (i % 2 ? first : second).siteKey, { headers: forwardedFor(ip) }));
    expect((await Promise.all(hits)).map((hit) => hit.status)).toEqual(Array(20).fill(202));
    const refused = await collectHit(server, first.siteKey, { headers: forwardedFor(ip) });
    expectError(refused, 429, 'RATE_LIMITED', 'Too many events: each client IP is limited to 20 per second');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await collectHit(server, first.siteKey, { headers: forwardedFor(nextIp()) })).status).toBe(202);
    server.clock.advance(1000);
    expect((await collectHit(server, first.siteKey, { headers: forwardedFor(ip) })).status).toBe(202);
  });

  it('applies the per-IP limit before looking up a site key: a flood of unknown keys reaches storage 20 times', async () => {
    const ip = nextIp();
    const findByKey = vi.spyOn(server.services.store.sites, 'findByKey');
    try {
      const unknownKey = (i: number) => `ak_${String(i).padStart(24, '0')}`;
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => collectHit(server, unknownKey(i + 1), { headers: forwardedFor(ip) })));
      expect(answers.filter((answer) => answer.status === 400).map((answer) => answer.body.code)).toEqual(Array(20).fill('INVALID_SITE_KEY'));
      for (const refused of answers.filter((answer) => answer.status !== 400))
        expectError(refused, 429, 'RATE_LIMITED', 'Too many events: each client IP is limited to 20 per second');
      expect(findByKey).toHaveBeenCalledTimes(20);
    } finally {
      findByKey.mockRestore();
    }
  });

  it('classifies hits by user agent: named AI and search crawlers, and people', async () => {
    const fresh = await newSite();
    const agents = [
      'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
      'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
      'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      CHROME_UA,
    ];
    for (const userAgent of agents) expect((await collectHit(server, fresh.siteKey, { userAgent, headers: forwardedFor(nextIp()) })).status).toBe(202);
    const body = await stats(fresh.id);
    expect(body.totals).toEqual({ events: 5, humans: 1, bots: 4 });
    expect(body.top_bots).toEqual([
      { name: 'GPTBot', events: 2 },
      { name: 'ClaudeBot', events: 1 },
      { name: 'Googlebot', events: 1 },
    ]);
  });

  it('still takes hits, and serves the script, for an IP blocked for failed authentications', async () => {
    const ip = nextIp();
    for (let i = 0; i < 10; i++) await server.call('/api/v1/sites', { key: generateApiKey('live'), headers: forwardedFor(ip) });
    expectError(await server.call('/api/v1/sites', { key: secret, headers: forwardedFor(ip) }), 403, 'IP_BLOCKED');
    expect((await collectHit(server, site.siteKey, { headers: forwardedFor(ip) })).status).toBe(202);
    expect((await server.call('/t.js', { headers: forwardedFor(ip) })).status).toBe(200);
  });

  it('writes no request log row and no access log line', async () => {
    const before = await server.services.requestLogs.list({ accountId: account, limit: 0 });
    expect((await collectHit(server, site.siteKey, { url: 'https://example.com/not-logged', headers: forwardedFor(nextIp()) })).status).toBe(202);
    const after = await server.services.requestLogs.list({ accountId: account, limit: 0 });
    expect(after.count).toBe(before.count);
    expect(server.logs.filter((line) => line.includes('/api/v1/collect'))).toEqual([]);
  });
});

describe('GET /t.js', () => {
  it('serves the script as cacheable JavaScript, and 304 to a matching If-None-Match', async () => {
    const { status, headers, text } = await server.call('/t.js');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(headers.get('cache-control')).toBe('public, max-age=3600');
    expect(text).toContain('sendBeacon');
    const etag = headers.get('etag')!;
    const again = await server.call('/t.js', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });
});

describe('committed hits', () => {
  it('survive a restart: a 202 means the event is stored', async () => {
    const restartable = await startTestServer();
    const owner = await restartable.newAccount();
    const tracked = await restartable.services.sites.createSite(owner, 'restart.example.com');
    const { secret: ownerKey } = await restartable.newKey(owner);
    for (let i = 0; i < 3; i++) expect((await collectHit(restartable, tracked.siteKey)).status).toBe(202);
    await restartable.app.close();
    await restartable.services.close();
    const reopened = await startTestServer({ dataDir: restartable.dataDir, clock: restartable.clock });
    try {
      const { body } = await reopened.call('/api/v1/sites', { key: ownerKey });
      expect(body.sites[0].events_this_month).toBe(3);
    } finally {
      await reopened.close();
      rmSync(restartable.dataDir, { recursive: true, force: true });
    }
  });
});
