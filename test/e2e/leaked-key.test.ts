import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, type Dashboard, dashboardApi, nav, poll, screenshots, signedUpPage, startDashboard } from './browser.js';

let dashboard: Dashboard;
beforeAll(async () => {
  dashboard = await startDashboard();
});
afterAll(() => dashboard?.close());

describe('a key found leaked', () => {
  it('is flagged on the overview and the key list with where it was found, until the user dismisses it', async () => {
    const { server } = dashboard;
    const page = await signedUpPage(dashboard);
    const { body: created } = await dashboardApi<{ key: { id: string }; secret: string }>(page, 'POST', '/keys', { name: 'Deploy bot' });
    await dashboardApi(page, 'POST', '/keys', { name: 'Still fine' });
    expect((await callApi(server, created.secret)).status).toBe(200);

    const url = 'https://github.com/octo/app/blob/main/deploy.sh';
    const report = await fetch(`${server.url}/api/v1/keys/report-leak`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: created.secret, url }),
    });
    expect(report.status).toBe(202);
    await server.services.leaks.settled();
    expect((await callApi(server, created.secret)).body.code).toBe('INVALID_KEY');

    await page.reload();
    const overviewFlag = page.getByRole('region', { name: 'Leaked API keys' }).getByRole('alert');
    await expect(overviewFlag.textContent()).resolves.toContain(`Revoked because it was found at ${url}`);
    await expect(overviewFlag.getByRole('link', { name: url }).getAttribute('href')).resolves.toBe(url);
    await expect(overviewFlag.textContent()).resolves.toContain('Deploy bot');
    await screenshots(page, 'overview-leaked-key');

    await nav(page, 'API Keys').click();
    const leakedRow = page.getByRole('row').filter({ hasText: 'Deploy bot' });
    await expect(leakedRow.getByRole('alert').textContent()).resolves.toContain(`Revoked because it was found at ${url}`);
    await expect(leakedRow.textContent()).resolves.toContain(`...${created.secret.slice(-4)}`);
    // A revoked key offers nothing but dismissing the flag.
    await expect(leakedRow.getByRole('button').allTextContents()).resolves.toEqual(['Dismiss']);
    await screenshots(page, 'keys-leaked-key');
    await leakedRow.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByText('Dismissed the leak warning of "Deploy bot"').waitFor();
    // The notice can show before the list is read again: wait for the row to go.
    await poll(() => page.getByRole('row').filter({ hasText: 'Deploy bot' }).count()).toBe(0);
    await page.getByRole('row').filter({ hasText: 'Still fine' }).waitFor();

    await nav(page, 'Overview').click();
    await page.getByRole('heading', { name: 'Sites' }).waitFor();
    await expect(page.getByRole('region', { name: 'Leaked API keys' }).count()).resolves.toBe(0);
    await nav(page, 'Audit log').click();
    await page.getByText('dismissed the leak warning of key').waitFor();
    await page.getByText('A leak report').waitFor();
  });
});
