import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dashboard, screenshots, startDashboard } from './browser.js';

let dashboard: Dashboard;
let secret: string;
let keyId: string;
beforeAll(async () => {
  dashboard = await startDashboard();
  const account = await dashboard.server.newAccount();
  await dashboard.server.services.sites.createSite(account, 'docs.example.com');
  ({
    secret,
    key: { id: keyId },
  } = await dashboard.server.newKey(account));
});
afterAll(() => dashboard?.close());

/** Runs GET /api/v1/sites from the reference's "Try it out" and returns the Authorization it sent and the status it got. */
async function tryListingSites(page: Page): Promise<{ authorization: string | undefined; status: number }> {
  const operation = page.locator('.opblock').filter({ has: page.locator('.opblock-summary-path[data-path="/api/v1/sites"]') });
  await operation.locator('.opblock-summary').click();
  await operation.getByRole('button', { name: 'Try it out' }).click();
  const [response] = await Promise.all([
    page.waitForResponse((answer) => new URL(answer.url()).pathname === '/api/v1/sites'),
    operation.getByRole('button', { name: 'Execute' }).click(),
  ]);
  return { authorization: response.request().headers().authorization, status: response.status() };
}

/** /docs with its Authorize dialog open. */
async function openAuthorize(): Promise<Page> {
  const page = await dashboard.newPage();
  await page.goto('/docs');
  await page
    .getByRole('button', { name: /Authorize/ })
    .first()
    .click();
  return page;
}

describe('the API reference at /docs', () => {
  it('lets a user try the API with an API key as a bearer token', async () => {
    const page = await openAuthorize();
    await page.locator('#auth-bearer-value').fill(secret);
    await page.getByRole('button', { name: 'Apply credentials' }).click();
    await page.getByRole('button', { name: 'Close' }).first().click();
    expect(await tryListingSites(page)).toEqual({ authorization: `Bearer ${secret}`, status: 200 });
  });

  it('lets a user authorize with OAuth client credentials: it fetches a token and tries the API with it', async () => {
    const page = await openAuthorize();
    await page.locator('#client_id_clientCredentials').fill(keyId);
    await page.locator('#client_secret_clientCredentials').fill(secret);
    const [token] = await Promise.all([
      page.waitForResponse((answer) => new URL(answer.url()).pathname === '/oauth/token'),
      page.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click(),
    ]);
    expect(token.status()).toBe(200);
    await page.getByRole('button', { name: 'Remove authorization' }).waitFor();
    await screenshots(page, 'docs-oauth-authorized', { fullPage: false });
    await page.getByRole('button', { name: 'Close' }).first().click();
    const tried = await tryListingSites(page);
    expect(tried.status).toBe(200);
    expect(tried.authorization).toMatch(/^Bearer at_[0-9A-Za-z]{40}$/);
  });
});
