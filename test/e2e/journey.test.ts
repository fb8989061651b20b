import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROME_UA, collectHit } from '../http/collect-hit.js';
import { callApi, type Dashboard, keyAction, nav, newEmail, PASSWORD, screenshots, startDashboard } from './browser.js';

let dashboard: Dashboard;
beforeAll(async () => {
  dashboard = await startDashboard();
});
afterAll(() => dashboard?.close());

describe('a new user in the dashboard', () => {
  it('signs up, adds a site, generates and copies a key, calls the API, sees the call in Logs, revokes the key', async () => {
    const { server } = dashboard;
    const page = await dashboard.newPage();
    const email = newEmail();

    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await screenshots(page, 'signup');
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('You are not tracking any site yet').waitFor();
    await screenshots(page, 'overview-empty');

    // Sites: add one, then its detail page with the site key and the snippet.
    await nav(page, 'Sites').click();
    await page.getByText('No sites yet').waitFor();
    await page.getByLabel('Domain').fill('not a domain');
    await page.getByRole('button', { name: 'Add site' }).click();
    await expect(page.locator('.field-error').textContent()).resolves.toContain('is not a domain name');
    await expect(page.getByLabel('Domain').getAttribute('aria-invalid')).resolves.toBe('true');
    await page.getByLabel('Domain').fill('https://Example.com/');
    await page.getByRole('button', { name: 'Add site' }).click();
    await page.getByRole('heading', { name: 'example.com' }).waitFor();
    const siteKey = await page.getByTestId('site-key').textContent();
    expect(siteKey).toMatch(/^ak_[0-9A-Za-z]{24}$/);
    await expect(page.getByTestId('snippet').textContent()).resolves.toContain(`data-site="${siteKey}"`);
    await page.getByText('Nothing yet. Put the tracking snippet on your pages').first().waitFor();
    await screenshots(page, 'site-detail');

    // Two visits reach the tracker, one by a person and one by OpenAI's crawler; the site page counts them.
    const GPTBOT = 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)';
    for (const userAgent of [CHROME_UA, GPTBOT]) {
      const hit = await collectHit(server, siteKey!, { url: 'https://example.com/pricing', referrer: 'https://news.example.org/', userAgent });
      expect(hit.status, hit.text).toBe(202);
    }
    await page.reload();
    await page.getByLabel('Range').selectOption('7');
    const stats = page.getByRole('region', { name: 'Visits' });
    await expect(stats.getByTestId('total-events').textContent()).resolves.toBe('2');
    await expect(stats.getByTestId('total-humans').textContent()).resolves.toBe('1');
    await expect(stats.getByTestId('total-bots').textContent()).resolves.toBe('1');
    await stats.getByRole('region', { name: 'Top bots' }).getByRole('listitem').filter({ hasText: 'GPTBot' }).waitFor();
    await stats.getByText('2 visits in the last 7 days: 1 by people, 1 by bots.').waitFor();
    await screenshots(page, 'site-stats');
    await nav(page, 'Sites').click();
    await page.getByRole('link', { name: 'example.com' }).waitFor();
    await screenshots(page, 'sites');

    // API Keys: generate one; the secret is shown once and copied to the clipboard.
    await nav(page, 'API Keys').click();
    await page.getByText('No API keys yet').waitFor();
    await screenshots(page, 'keys-empty');
    await page.getByRole('button', { name: 'Generate New Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Production server');
    await page.getByLabel('Daily').fill('1000');
    await screenshots(page, 'keys-new');
    await page.getByRole('button', { name: 'Generate key' }).click();
    await page.getByText("Copy this key now. It won't be shown again.").waitFor();
    const shown = await page.getByTestId('secret').textContent();
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    const secret = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(secret).toBe(shown);
    expect(secret).toMatch(/^sk_live_[0-9A-Za-z]{32}$/);
    await screenshots(page, 'keys-secret');

    const call = await callApi(server, secret);
    expect(call.status).toBe(200);
    expect(call.body.sites.map((site: { domain: string }) => site.domain)).toEqual(['example.com']);

    // Logs: the call is listed with its endpoint and status.
    await page.getByRole('button', { name: 'I have stored it safely' }).click();
    await expect(page.getByTestId('secret').count()).resolves.toBe(0);
    await nav(page, 'Logs').click();
    const logRow = page.getByRole('row').filter({ hasText: 'GET /api/v1/sites' });
    await logRow.waitFor();
    await expect(logRow.textContent()).resolves.toMatch(/Production server.*200/);
    await page.getByText('1–1 of 1 request,').waitFor();
    await screenshots(page, 'logs');
    const csv = page.getByRole('link', { name: 'Export CSV' });
    const csvResponse = await page.request.get((await csv.getAttribute('href'))!);
    expect(csvResponse.status()).toBe(200);
    expect((await csvResponse.text()).split('\r\n')[0]).toBe(
      'time,key_id,key_name,mode,method,route,path,status,code,duration_ms,ip,referrer,user_agent,credits,auth,id,requests',
    );

    // Revoke, confirmed in a dialog; the next call is refused.
    await page.getByRole('link', { name: 'Back to API keys' }).click();
    const keyRow = page.getByRole('row').filter({ hasText: 'Production server' });
    await expect(keyRow.textContent()).resolves.toContain(`...${secret.slice(-4)}`);
    await screenshots(page, 'keys');
    await keyAction(page, 'Production server', 'Revoke');
    const dialog = page.getByRole('dialog', { name: 'Revoke "Production server"?' });
    await screenshots(page, 'keys-revoke-dialog', { fullPage: false });
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByText('Revoked "Production server"').waitFor();
    await page.getByText('No API keys yet').waitFor();

    const refused = await callApi(server, secret);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('INVALID_KEY');

    // The other pages, now that there is something to show.
    await nav(page, 'Overview').click();
    await page.getByText(/2 API requests in the last 30 days/).waitFor();
    await screenshots(page, 'overview');
    await nav(page, 'Plan').click();
    await page.getByText('Your plan:').waitFor();
    await screenshots(page, 'plan');
    await nav(page, 'Audit log').click();
    await page.getByText('revoked key').waitFor();
    await expect(page.locator('.audit').textContent()).resolves.toContain('added site');
    await screenshots(page, 'audit');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    await page.goto('/settings/api-keys');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
});
