import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedKeyAnswer } from '../../src/http/responses.js';
import { CHROME_UA, collectHit } from '../http/collect-hit.js';
import {
  accessibilityViolations,
  callApi,
  type Dashboard,
  dashboardApi,
  keyAction,
  nav,
  PASSWORD,
  poll,
  signedUpPage,
  startDashboard,
  WIDTHS,
} from './browser.js';

let dashboard: Dashboard;
beforeAll(async () => {
  dashboard = await startDashboard();
});
afterAll(() => dashboard?.close());

const GPTBOT = 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)';

/** What the page has been refused by its Content Security Policy, as Chromium reports it. */
function cspReports(page: Page): string[] {
  const reports: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) reports.push(message.text());
  });
  return reports;
}

/** A signed-in page with a site that has visits and a key that has requests. */
async function pageWithData(options: Parameters<Dashboard['newPage']>[0] = {}): Promise<{ page: Page; siteId: string; key: IssuedKeyAnswer }> {
  const page = await signedUpPage(dashboard, options);
  const site = (await dashboardApi<{ site: { id: string; key: string } }>(page, 'POST', '/sites', { domain: 'pages.example.com' })).body.site;
  for (const userAgent of [CHROME_UA, GPTBOT]) {
    expect(
      (await collectHit(dashboard.server, site.key, { url: 'https://pages.example.com/pricing', referrer: 'https://news.example.org/', userAgent })).status,
    ).toBe(202);
  }
  const key = (await dashboardApi<IssuedKeyAnswer>(page, 'POST', '/keys', { name: 'Pages key', quotas: { daily: 50 } })).body;
  for (let i = 0; i < 3; i++) await callApi(dashboard.server, key.secret);
  await page.reload();
  return { page, siteId: site.id, key };
}

/** Expects no WCAG 2.1 A/AA violation in the page as it is, at each width (and restores 1280 px). */
async function expectAccessible(page: Page, state: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    expect({ state, width, violations: await accessibilityViolations(page) }).toEqual({ state, width, violations: [] });
  }
  await page.setViewportSize({ width: WIDTHS[0], height: 900 });
}

describe('every page of the dashboard', () => {
  it('has no WCAG 2.1 A/AA violation (axe-core), at 1280 and 390 px, in light and dark mode', { timeout: 240_000 }, async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const signedOut = await dashboard.newPage({ colorScheme });
      await signedOut.goto('/signin');
      // Dark mode follows the system setting.
      await expect(signedOut.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).resolves.toBe(
        colorScheme === 'dark' ? 'rgb(11, 18, 32)' : 'rgb(246, 247, 249)',
      );
      for (const path of ['/signin', '/signup']) {
        await signedOut.goto(path);
        await signedOut.getByRole('heading', { level: 1 }).waitFor();
        await expectAccessible(signedOut, `${colorScheme} ${path}`);
      }
      await signedOut.getByLabel('Password').fill('short');
      await signedOut.getByRole('button', { name: 'Create account' }).click();
      await signedOut.getByRole('alert').waitFor();
      await expectAccessible(signedOut, `${colorScheme} sign-up refused`);

      const { page, siteId, key } = await pageWithData({ colorScheme });
      const visit = async (link: string, heading: string) => {
        await nav(page, link).click();
        await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      };
      await visit('Overview', 'Overview');
      await page.locator('.chart-canvas').waitFor();
      await expectAccessible(page, `${colorScheme} overview`);
      await visit('Sites', 'Sites');
      await expectAccessible(page, `${colorScheme} sites`);
      await page.goto(`/sites/${siteId}`);
      await page.getByRole('region', { name: 'Top bots' }).getByText('GPTBot').waitFor();
      await expectAccessible(page, `${colorScheme} site detail`);

      await visit('API Keys', 'API Keys');
      await page.getByRole('row').filter({ hasText: 'Pages key' }).waitFor();
      await expectAccessible(page, `${colorScheme} keys`);
      await page.getByRole('button', { name: 'Actions for Pages key' }).click();
      await expectAccessible(page, `${colorScheme} keys, menu open`);
      await page.keyboard.press('Escape');
      await keyAction(page, 'Pages key', 'Edit');
      await page.getByLabel('Allowed IP addresses').fill('not an ip');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.locator('.field-error').first().waitFor();
      await expectAccessible(page, `${colorScheme} key form with a field error`);
      await page.getByRole('button', { name: 'Cancel' }).click();
      await keyAction(page, 'Pages key', 'Revoke');
      await page.getByRole('dialog').waitFor();
      await expectAccessible(page, `${colorScheme} revoke dialog`);
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('button', { name: 'Generate New Key' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Shown once');
      await page.getByRole('button', { name: 'Generate key' }).click();
      await page.getByTestId('secret').waitFor();
      await expectAccessible(page, `${colorScheme} new key shown`);
      await page.getByRole('button', { name: 'I have stored it safely' }).click();

      await page.getByRole('link', { name: 'Pages key' }).click();
      await page.getByRole('heading', { name: 'Pages key', level: 1 }).waitFor();
      await page.getByRole('region', { name: 'Recent requests' }).getByRole('row').nth(1).waitFor();
      await expectAccessible(page, `${colorScheme} key detail`);

      await visit('Logs', 'Request logs');
      await page
        .getByRole('button', { name: /^Details of GET \/api\/v1\/sites/ })
        .first()
        .click();
      await page.locator('.request-details').waitFor();
      await expectAccessible(page, `${colorScheme} logs with a request's details`);
      await visit('Plan', 'Plan');
      await expectAccessible(page, `${colorScheme} plan`);
      await visit('Audit log', 'Audit log');
      await page.locator('.audit > li').first().waitFor();
      await expectAccessible(page, `${colorScheme} audit`);
      expect(key.key.name).toBe('Pages key');
    }
  });

  it('has its own title, and the favicon', async () => {
    const { page, siteId, key } = await pageWithData();
    const titles: Array<[string, string]> = [
      ['/', 'Overview · Keygate'],
      ['/sites', 'Sites · Keygate'],
      [`/sites/${siteId}`, 'pages.example.com · Sites · Keygate'],
      ['/settings/api-keys', 'API Keys · Keygate'],
      [`/settings/api-keys/${key.key.id}`, 'Pages key · API Keys · Keygate'],
      ['/settings/api-keys/logs', 'Request logs · Keygate'],
      ['/settings/plan', 'Plan · Keygate'],
      ['/settings/audit', 'Audit log · Keygate'],
    ];
    for (const [path, title] of titles) {
      await page.goto(path);
      await poll(() => page.title()).toBe(title);
    }
    const signedOut = await dashboard.newPage();
    await signedOut.goto('/signin');
    await poll(() => signedOut.title()).toBe('Sign in · Keygate');
    await signedOut.goto('/signup');
    await poll(() => signedOut.title()).toBe('Create your account · Keygate');
    const icon = await signedOut.locator('link[rel="icon"]').getAttribute('href');
    const response = await signedOut.request.get(icon!);
    expect([response.status(), response.headers()['content-type']]).toEqual([200, 'image/svg+xml']);
  });

  it('loads no chart code on the sign-in page, and nothing breaks the Content Security Policy', async () => {
    const page = await dashboard.newPage();
    const reports = cspReports(page);
    const scripts: Response[] = [];
    page.on('response', (response) => {
      if (response.url().endsWith('.js')) scripts.push(response);
    });
    await page.goto('/signin');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const signInScripts = await Promise.all(scripts.map((response) => response.text()));
    expect(signInScripts.length).toBeGreaterThan(0);
    expect(signInScripts.filter((text) => text.includes('recharts'))).toEqual([]);

    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Email').fill(`charts-${Date.now()}@example.com`);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'API requests per day' }).waitFor();
    // The chart code arrives with the Overview, the check above can see it.
    await poll(async () => (await Promise.all(scripts.map((response) => response.text()))).some((text) => text.includes('recharts'))).toBe(true);
    for (const link of ['Sites', 'API Keys', 'Logs', 'Plan', 'Audit log']) {
      await nav(page, link).click();
      await page.getByRole('heading', { level: 1 }).waitFor();
    }
    expect(reports).toEqual([]);
  });
});

describe('charts', () => {
  it("show no empty axes without data; with data, the legend in the bars' order and tooltips with the day's total", async () => {
    const empty = await signedUpPage(dashboard);
    await empty.getByText('No API requests in the last 30 days (UTC days).').waitFor();
    await expect(empty.locator('.chart-canvas, .recharts-wrapper').count()).resolves.toBe(0);

    const { page, siteId } = await pageWithData();
    await page.goto(`/sites/${siteId}`);
    const stats = page.getByRole('region', { name: 'Visits' });
    await stats.getByText('2 visits in the last 30 days').waitFor();
    // Humans stack at the bottom, bots on top: the legend reads top first.
    await expect(stats.locator('.chart-legend li').allTextContents()).resolves.toEqual(['Bots', 'Humans']);
    const canvas = await stats.locator('.chart-canvas').boundingBox();
    await page.mouse.move(canvas!.x + canvas!.width - 24, canvas!.y + canvas!.height / 2);
    const tooltip = stats.locator('.chart-tooltip');
    await tooltip.waitFor();
    await expect(tooltip.textContent()).resolves.toMatch(/\(UTC\)Bots: 1Humans: 1Total: 2$/);
  });
});

describe('times', () => {
  it('follow one rule, UTC, said on screen: a request late in the UTC day sits on the same day in the logs and the chart, in Paris and in Los Angeles', async () => {
    const { server } = dashboard;
    const realNow = server.clock.now();
    const lateInTheDay = Date.UTC(new Date(realNow).getUTCFullYear(), new Date(realNow).getUTCMonth(), new Date(realNow).getUTCDate(), 23, 30, 15);
    server.clock.set(lateInTheDay);
    try {
      const paris = await signedUpPage(dashboard, { timezoneId: 'Europe/Paris' });
      const email = (await dashboardApi<{ user: { email: string } }>(paris, 'GET', '/session')).body.user.email;
      const key = (await dashboardApi<IssuedKeyAnswer>(paris, 'POST', '/keys', { name: 'Late key' })).body;
      expect((await callApi(server, key.secret)).status).toBe(200);
      const day = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(lateInTheDay);
      const year = new Date(lateInTheDay).getUTCFullYear();

      const la = await dashboard.newPage({ timezoneId: 'America/Los_Angeles' });
      await la.goto('/signin');
      await la.getByLabel('Email').fill(email);
      await la.getByLabel('Password').fill(PASSWORD);
      await la.getByRole('button', { name: 'Sign in' }).click();
      await la.getByRole('heading', { name: 'Overview' }).waitFor();

      for (const page of [paris, la]) {
        await nav(page, 'Logs').click();
        const row = page.getByRole('row').filter({ hasText: 'Late key' });
        await expect(row.locator('td').first().textContent()).resolves.toBe(`${day}, ${year}, 23:30:15 UTC`);
        await nav(page, 'Overview').click();
        const canvas = page.locator('.chart-canvas');
        await canvas.waitFor();
        const box = await canvas.boundingBox();
        await page.mouse.move(box!.x + box!.width - 24, box!.y + box!.height / 2);
        await expect(page.locator('.chart-tooltip').textContent()).resolves.toMatch(new RegExp(`^${day} \\(UTC\\).*Total: 1$`));
        await nav(page, 'API Keys').click();
        await expect(page.getByRole('row').filter({ hasText: 'Late key' }).textContent()).resolves.toContain(`${day}, 23:30 UTC`);
      }
    } finally {
      server.clock.set(realNow);
    }
  });
});
