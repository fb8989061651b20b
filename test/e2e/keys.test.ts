import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedKeyAnswer } from '../../src/http/responses.js';
import { callApi, type Dashboard, dashboardApi, keyAction, nav, poll, screenshots, signedUpPage, startDashboard } from './browser.js';

let dashboard: Dashboard;
beforeAll(async () => {
  dashboard = await startDashboard();
});
afterAll(() => dashboard?.close());

/** YYYY-MM-DD of the UTC day `days` from now. */
function utcDay(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

async function keyOf(page: Page, id: string) {
  const { body } = await dashboardApi<{ keys: Array<IssuedKeyAnswer['key'] & { category: string; status: string }> }>(page, 'GET', '/keys?include=revoked');
  return body.keys.find((key) => key.id === id)!;
}

/** The id of the element that has the keyboard, and its accessible label or name attribute. */
function focused(page: Page) {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    return element?.getAttribute('aria-label') ?? element?.getAttribute('name') ?? element?.textContent ?? null;
  });
}

describe('API keys in the dashboard', () => {
  it('keeps the expiry day through edits in Los Angeles (west of UTC), and the audit names only what changed', async () => {
    const page = await signedUpPage(dashboard, { timezoneId: 'America/Los_Angeles' });
    await nav(page, 'API Keys').click();
    await page.getByRole('button', { name: 'Generate New Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Expiring');
    await page.getByRole('button', { name: 'In 30 days' }).click();
    await expect(page.getByLabel('Expires (UTC)').inputValue()).resolves.toBe(utcDay(30));
    await page.getByRole('button', { name: 'Generate key' }).click();
    await page.getByTestId('secret').waitFor();
    await page.getByRole('button', { name: 'I have stored it safely' }).click();
    const { body } = await dashboardApi<{ keys: IssuedKeyAnswer['key'][] }>(page, 'GET', '/keys');
    const created = body.keys.find((key) => key.name === 'Expiring')!;
    expect(created.expires_at).toBe(`${utcDay(30)}T23:59:59.999Z`);

    // Two edits that leave the expiry alone: it stays to the millisecond, and the form shows the same day each time.
    for (const category of ['staging', 'development']) {
      await keyAction(page, 'Expiring', 'Edit');
      await expect(page.getByLabel('Expires (UTC)').inputValue()).resolves.toBe(utcDay(30));
      await page.getByLabel('Category').fill(category);
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved the changes to "Expiring"').waitFor();
      expect(await keyOf(page, created.id)).toMatchObject({ category, expires_at: created.expires_at });
    }

    // A key whose expiry was set at another time of day (the end of a Los Angeles day) keeps it exactly.
    const laEndOfDay = `${utcDay(11)}T07:59:59.999Z`;
    const other = (await dashboardApi<IssuedKeyAnswer>(page, 'POST', '/keys', { name: 'Set elsewhere', expires_at: laEndOfDay })).body;
    await page.reload();
    await keyAction(page, 'Set elsewhere', 'Edit');
    await page.getByLabel('Name', { exact: true }).fill('Set elsewhere, renamed');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved the changes to "Set elsewhere, renamed"').waitFor();
    expect((await keyOf(page, other.key.id)).expires_at).toBe(laEndOfDay);

    await nav(page, 'Audit log').click();
    const entries = page.locator('.audit > li');
    await poll(() => entries.count()).toBe(5);
    await expect(entries.nth(0).textContent()).resolves.toMatch(/changed key\s*Set elsewhere, renamed: name$/);
    await expect(entries.nth(2).textContent()).resolves.toMatch(/changed key\s*Expiring: category$/);
    await expect(entries.nth(3).textContent()).resolves.toMatch(/changed key\s*Expiring: category$/);
  });

  it('puts row actions in a "⋯" menu naming the key; forms open in view with the keyboard in them; focus comes back; old notices go', async () => {
    const page = await signedUpPage(dashboard, { viewport: { width: 390, height: 700 }, timezoneId: 'Europe/Paris' });
    for (let i = 1; i <= 3; i++) expect((await dashboardApi(page, 'POST', '/keys', { name: `key ${i}`, mode: i === 2 ? 'test' : 'live' })).status).toBe(201);
    await nav(page, 'API Keys').click();

    const trigger = page.getByRole('button', { name: 'Actions for key 1', exact: true });
    await trigger.click();
    const menu = page.getByRole('menu', { name: 'Actions for key 1' });
    await expect(menu.getByRole('menuitem').evaluateAll((items) => items.map((item) => item.getAttribute('aria-label')))).resolves.toEqual([
      'Edit key 1',
      'Deactivate key 1',
      'Rotate key 1',
      'Revoke key 1',
      'Delete key 1',
    ]);
    await expect(focused(page)).resolves.toBe('Edit key 1');
    await page.keyboard.press('ArrowDown');
    await expect(focused(page)).resolves.toBe('Deactivate key 1');
    await page.keyboard.press('Escape');
    await expect(menu.count()).resolves.toBe(0);
    await expect(focused(page)).resolves.toBe('Actions for key 1');
    await screenshots(page, 'keys-menu');

    // The oldest key is the last row, below the fold at phone size: its form opens in view, the keyboard in its first field.
    await trigger.scrollIntoViewIfNeeded();
    await keyAction(page, 'key 1', 'Edit');
    const form = page.getByRole('form', { name: 'Edit key 1' });
    await form.waitFor();
    const top = await form.evaluate((element) => element.getBoundingClientRect().top);
    expect(top).toBeGreaterThan(-1);
    expect(top).toBeLessThan(700);
    await expect(focused(page)).resolves.toBe('name');

    // A refusal of the server is shown under the field it is about, tied to it, with the keyboard there.
    await form.getByLabel('Allowed IP addresses').fill('10.0.0.999');
    await form.getByRole('button', { name: 'Save changes' }).click();
    const ips = form.getByLabel('Allowed IP addresses');
    await poll(() => ips.getAttribute('aria-invalid')).toBe('true');
    const described = await ips.evaluate((element) =>
      (element.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id) => document.getElementById(id)?.textContent)
        .join(' | '),
    );
    expect(described).toContain('"10.0.0.999" is not an IP address or CIDR');
    await expect(focused(page)).resolves.toBe('ips');
    await expect(page.getByText('restrictions.ips').count()).resolves.toBe(0);
    await screenshots(page, 'keys-field-error');
    await form.getByRole('button', { name: 'Cancel' }).click();
    await poll(() => focused(page)).toBe('Actions for key 1');

    // A notice is news until the next action.
    await keyAction(page, 'key 1', 'Deactivate');
    await page.getByText('Deactivated "key 1"').waitFor();
    await poll(() => focused(page)).toBe('Actions for key 1');
    await keyAction(page, 'key 3', 'Rotate');
    const dialog = page.getByRole('dialog', { name: 'Rotate "key 3"' });
    await dialog.waitFor();
    await expect(page.getByText('Deactivated "key 1"').count()).resolves.toBe(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await poll(() => focused(page)).toBe('Actions for key 3');

    // Search and filters.
    await page.getByLabel('Search by name').fill('KEY 2');
    await poll(() => page.locator('.keys-table tbody tr').count()).toBe(1);
    await page.getByLabel('Search by name').fill('');
    await page.getByRole('search').getByLabel('Mode').selectOption('test');
    await expect(page.locator('.keys-table tbody tr').allTextContents()).resolves.toEqual([expect.stringContaining('key 2')]);
    await page.getByRole('search').getByLabel('Mode').selectOption('');
    await page.getByRole('search').getByLabel('Status').selectOption('inactive');
    await poll(() => page.locator('.keys-table tbody tr').allTextContents()).toEqual([expect.stringContaining('key 1')]);
    await page.getByText('1 of 3 keys match').waitFor();
  });

  it('shows a curl example with the new key and asks before leaving while it is shown', async () => {
    const { server } = dashboard;
    const page = await signedUpPage(dashboard);
    await nav(page, 'API Keys').click();
    await page.getByRole('button', { name: 'Generate New Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Shown once');
    await page.getByRole('button', { name: 'Generate key' }).click();
    const secret = (await page.getByTestId('secret').textContent())!;
    const curl = (await page.getByTestId('curl').textContent())!;
    expect(curl).toBe(`curl ${server.url}/api/v1/sites \\\n  -H "Authorization: Bearer ${secret}"`);
    expect((await callApi(server, secret)).status).toBe(200);

    await nav(page, 'Sites').click();
    const leave = page.getByRole('dialog', { name: 'Leave without storing the key?' });
    await leave.waitFor();
    await screenshots(page, 'keys-leave-warning', { fullPage: false });
    await leave.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('secret').textContent()).resolves.toBe(secret);
    expect(new URL(page.url()).pathname).toBe('/settings/api-keys');

    // Closing the tab asks the browser's own question.
    const asked = new Promise<string>((resolve) =>
      page.once('dialog', (question) => {
        resolve(question.type());
        void question.accept();
      }),
    );
    await page.close({ runBeforeUnload: true });
    await expect(asked).resolves.toBe('beforeunload');
  });

  it('says what is happening while a rotated key is in its grace period, instead of "4 of 3 keys"', async () => {
    const page = await signedUpPage(dashboard);
    for (const name of ['one', 'two', 'Backend']) expect((await dashboardApi(page, 'POST', '/keys', { name })).status).toBe(201);
    await nav(page, 'API Keys').click();
    await keyAction(page, 'Backend', 'Rotate');
    const dialog = page.getByRole('dialog', { name: 'Rotate "Backend"' });
    await dialog.getByLabel('Grace period for the old key').selectOption({ label: '24 hours' });
    await dialog.getByRole('button', { name: 'Rotate key' }).click();
    await page.getByTestId('secret').waitFor();
    await page.getByRole('button', { name: 'I have stored it safely' }).click();
    const limit = page.getByTestId('key-limit');
    await poll(() => limit.textContent()).toMatch(
      /^3 of 3 keys used on the free plan\..*"Backend" is being rotated out: it keeps working, and holds a place, until .* UTC\.$/,
    );
    await expect(limit.textContent()).resolves.not.toContain('4 of 3');
    await page.getByText("You can generate a key again once the rotated key's grace period ends").waitFor();
    await screenshots(page, 'keys-rotating');
  });

  it('shows a key on its own page: restrictions, quotas with their use, recent requests and a link to its logs', async () => {
    const { server } = dashboard;
    const page = await signedUpPage(dashboard);
    const created = (
      await dashboardApi<IssuedKeyAnswer>(page, 'POST', '/keys', {
        name: 'Detailed',
        quotas: { daily: 100 },
        restrictions: { endpoints: ['GET /api/v1/sites'] },
      })
    ).body;
    for (let i = 0; i < 3; i++) expect((await callApi(server, created.secret)).status).toBe(200);
    await nav(page, 'API Keys').click();
    await page.getByRole('link', { name: 'Detailed' }).click();
    await page.getByRole('heading', { name: 'Detailed', level: 1 }).waitFor();
    await expect(page.title()).resolves.toBe('Detailed · API Keys · Keygate');
    await page.getByRole('region', { name: 'Quotas and their use' }).getByText('daily: 3 / 100').waitFor();
    await page.getByRole('region', { name: 'Restrictions' }).getByText('GET /api/v1/sites').waitFor();
    await poll(() => page.getByRole('region', { name: 'Recent requests' }).getByRole('row').count()).toBe(4);
    await screenshots(page, 'key-detail');
    await page.getByRole('link', { name: 'View logs of Detailed' }).click();
    await page.getByText('1–3 of 3 requests').waitFor();
    await expect(page.getByLabel('Key').inputValue()).resolves.toBe(created.key.id);
  });
});
