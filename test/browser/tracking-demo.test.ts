/// <reference lib="dom" />
// Code passed to the page (init scripts, evaluate) runs in the browser.
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, serveDemo } from '../../examples/tracking-demo/serve.js';
import type { Site } from '../../src/core/model.js';
import { startTestServer, type TestServer } from '../harness.js';
import { CHROME_UA } from '../http/collect-hit.js';

/** Debian's chromium (`apt-get install chromium`); playwright never downloads a browser here. */
const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
};

/** Beacons are sent and committed asynchronously: allow for a slow, busy machine. */
const EVENTUALLY = { timeout: 15_000 };

let server: TestServer;
let browser: Browser;
let account: string;
let secret: string;
const demos: DemoServer[] = [];

beforeAll(async () => {
  server = await startTestServer();
  account = await server.newAccount({ plan: 'pro' });
  ({ secret } = await server.newKey(account));
  browser = await chromium.launch(CHROMIUM);
});
afterAll(async () => {
  await browser?.close();
  await Promise.all(demos.map((demo) => demo.close()));
  await server.close();
});

/** A new site, and the demo page embedding its key, served from another origin than Keygate. */
async function demoFor(): Promise<{ site: Site; demo: DemoServer }> {
  const site = await server.services.sites.createSite(account, `demo${Math.random().toString(36).slice(2, 8)}.example.com`);
  const demo = await serveDemo({ keygate: server.url, site: site.siteKey });
  demos.push(demo);
  return { site, demo };
}

async function openPage(options: BrowserContextOptions = {}, initScript?: () => void): Promise<{ page: Page; errors: Error[] }> {
  const context = await browser.newContext(options);
  if (initScript) await context.addInitScript(initScript);
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (error) => errors.push(error));
  return { page, errors };
}

async function stats(site: Site) {
  return (await server.call(`/api/v1/sites/${site.id}/stats`, { key: secret })).body;
}

describe('the tracking demo in Chromium', () => {
  it('counts the first view, a pushState navigation and a full page load, through the REST API', async () => {
    const { site, demo } = await demoFor();
    const { page, errors } = await openPage({ userAgent: CHROME_UA });
    await page.goto(`${demo.url}/`);
    await expect.poll(async () => (await stats(site)).totals.events, EVENTUALLY).toBe(1);
    await page.click('text=Pricing');
    await expect.poll(() => page.textContent('#page'), EVENTUALLY).toBe('You are on /pricing');
    await expect.poll(async () => (await stats(site)).totals.events, EVENTUALLY).toBe(2);
    await page.click('text=Docs');
    await page.waitForURL(`${demo.url}/docs`);
    await expect.poll(async () => (await stats(site)).totals.events, EVENTUALLY).toBe(3);

    const body = await stats(site);
    expect(body.totals).toEqual({ events: 3, humans: 3, bots: 0 });
    expect(body.top_paths).toEqual([
      { path: '/', events: 1 },
      { path: '/docs', events: 1 },
      { path: '/pricing', events: 1 },
    ]);
    // The first view came from nowhere; the next two from the demo's own pages.
    expect(body.top_referrers).toEqual([{ referrer: '127.0.0.1', events: 2 }]);
    const { body: listed } = await server.call('/api/v1/sites', { key: secret });
    expect(listed.sites.find((entry: { id: string }) => entry.id === site.id).events_this_month).toBe(3);
    expect(errors).toEqual([]);
  });

  it('falls back to fetch with keepalive without sendBeacon, and names headless Chrome a bot', async () => {
    const { site, demo } = await demoFor();
    const { page, errors } = await openPage({}, () => {
      delete (Navigator.prototype as { sendBeacon?: unknown }).sendBeacon;
    });
    await page.goto(`${demo.url}/`);
    expect(await page.evaluate(() => typeof navigator.sendBeacon)).toBe('undefined');
    await expect.poll(async () => (await stats(site)).top_bots, EVENTUALLY).toEqual([{ name: 'HeadlessChrome', events: 1 }]);
    expect(errors).toEqual([]);
  });

  it('never throws into the page, even with sendBeacon gone and fetch throwing', async () => {
    const { demo } = await demoFor();
    const { page, errors } = await openPage({ userAgent: CHROME_UA }, () => {
      delete (Navigator.prototype as { sendBeacon?: unknown }).sendBeacon;
      const calls = window as unknown as { fetchCalls: number };
      calls.fetchCalls = 0;
      window.fetch = () => {
        calls.fetchCalls++;
        throw new Error('fetch is broken on this page');
      };
    });
    await page.goto(`${demo.url}/`);
    await page.click('text=Pricing');
    await expect.poll(() => page.textContent('#page'), EVENTUALLY).toBe('You are on /pricing');
    await page.goBack();
    await expect.poll(() => page.textContent('#page'), EVENTUALLY).toBe('You are on /');
    // The script tried each view (first, pushState, popstate), and the page never saw it fail.
    expect(await page.evaluate(() => (window as unknown as { fetchCalls: number }).fetchCalls)).toBe(3);
    expect(errors).toEqual([]);
  });
});
