import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obtainToken } from '../http/oauth-client.js';
import { callApi, type Dashboard, dashboardApi, nav, screenshots, signedUpPage, startDashboard } from './browser.js';

let dashboard: Dashboard;
beforeAll(async () => {
  dashboard = await startDashboard();
});
afterAll(() => dashboard?.close());

describe('OAuth access tokens in the dashboard', () => {
  it("marks token requests in Logs, counts a key's live tokens and revokes them all, with an audit entry", async () => {
    const { server } = dashboard;
    const page = await signedUpPage(dashboard);
    const created = await dashboardApi<{ key: { id: string }; secret: string }>(page, 'POST', '/keys', { name: 'Machine client' });
    expect(created.status).toBe(201);
    const { key, secret } = created.body;
    const token = await obtainToken(server, key.id, secret);
    expect((await callApi(server, token)).status).toBe(200);
    expect((await callApi(server, secret)).status).toBe(200);

    await nav(page, 'Logs').click();
    await page.getByText('1–2 of 2 requests,').waitFor();
    const rows = page.getByRole('row').filter({ hasText: 'GET /api/v1/sites' });
    await expect(rows.nth(0).textContent()).resolves.not.toContain('OAuth');
    await expect(rows.nth(1).getByText('OAuth', { exact: true }).count()).resolves.toBe(1);
    await screenshots(page, 'logs-oauth');

    await nav(page, 'API Keys').click();
    const keyRow = page.getByRole('row').filter({ hasText: 'Machine client' });
    await expect(keyRow.locator('td[data-label="OAuth tokens"]').textContent()).resolves.toBe('1Revoke all');
    await screenshots(page, 'keys-oauth');
    await keyRow.getByRole('button', { name: 'Revoke all' }).click();
    await page.getByText('Revoked 1 OAuth tokens of "Machine client".').waitFor();
    // The notice can show before the list is read again: wait for the count to change.
    await expect.poll(() => keyRow.locator('td[data-label="OAuth tokens"]').textContent()).toBe('0');
    expect((await callApi(server, token)).body.code).toBe('INVALID_KEY');
    expect((await callApi(server, secret)).status).toBe(200);

    await nav(page, 'Audit log').click();
    await page.getByText('revoked the OAuth tokens of key').waitFor();
  });
});
