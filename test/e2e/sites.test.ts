import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectHit } from '../http/collect-hit.js';
import { type Dashboard, nav, poll, screenshots, signedUpPage, startDashboard } from './browser.js';

let dashboard: Dashboard;
beforeAll(async () => {
  dashboard = await startDashboard();
});
afterAll(() => dashboard?.close());

describe('sites in the dashboard', () => {
  it('adds a pasted address as its host name once, and says so next to the field when it is added again', async () => {
    const page = await signedUpPage(dashboard, { viewport: { width: 390, height: 800 } });
    await nav(page, 'Sites').click();
    await page.getByLabel('Domain').fill('https://Shop.Example.com/pricing');
    await page.getByRole('button', { name: 'Add site' }).click();
    await page.getByRole('heading', { name: 'shop.example.com', level: 1 }).waitFor();

    await nav(page, 'Sites').click();
    const field = page.getByLabel('Domain');
    await field.fill('SHOP.example.com.');
    await page.getByRole('button', { name: 'Add site' }).click();
    await poll(() => field.getAttribute('aria-invalid')).toBe('true');
    const description = await field.evaluate((element) =>
      (element.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id) => document.getElementById(id)?.textContent)
        .join(' | '),
    );
    expect(description).toContain('shop.example.com is already one of your sites');
    await expect(page.evaluate(() => document.activeElement?.getAttribute('name'))).resolves.toBe('domain');
    await page.getByText('1 of 3 sites used').waitFor();
    await expect(page.getByRole('table').getByRole('link').allTextContents()).resolves.toEqual(['shop.example.com']);
    await screenshots(page, 'sites-duplicate');
  });

  it('shows a new site\'s snippet first and turns the "waiting for the first event" check green when it arrives; its own host is no referrer', async () => {
    const page = await signedUpPage(dashboard);
    await nav(page, 'Sites').click();
    await page.getByLabel('Domain').fill('fresh.example.com');
    await page.getByRole('button', { name: 'Add site' }).click();
    await page.getByRole('heading', { name: 'fresh.example.com', level: 1 }).waitFor();
    const check = page.getByTestId('install-check');
    await expect(check.textContent()).resolves.toMatch(/^Waiting for the first event/);
    // The snippet comes before the (empty) visits.
    const order = await page.locator('h2').allTextContents();
    expect(order.indexOf('Tracking snippet')).toBeLessThan(order.indexOf('Visits'));
    await screenshots(page, 'site-waiting');

    const siteKey = (await page.getByTestId('site-key').textContent())!;
    for (const referrer of ['https://fresh.example.com/', 'https://www.fresh.example.com/blog', 'https://news.example.org/']) {
      expect((await collectHit(dashboard.server, siteKey, { url: 'https://fresh.example.com/pricing', referrer })).status).toBe(202);
    }
    await poll(() => check.textContent()).toMatch(/^First event received/);
    await expect(check.getAttribute('class')).resolves.toContain('install-check-received');
    const stats = page.getByRole('region', { name: 'Visits' });
    await poll(() => stats.getByTestId('total-events').textContent()).toBe('3');
    await expect(stats.getByRole('region', { name: 'Top referrers' }).getByRole('listitem').allTextContents()).resolves.toEqual(['news.example.org1']);
    await screenshots(page, 'site-first-event');

    // Once it has visits, the page leads with them.
    await page.reload();
    await stats.getByTestId('total-events').waitFor();
    await expect(page.getByTestId('install-check').count()).resolves.toBe(0);
    const after = await page.locator('h2').allTextContents();
    expect(after.indexOf('Visits')).toBeLessThan(after.indexOf('Tracking snippet'));
  });
});
