import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedKeyAnswer } from '../../src/http/responses.js';
import { callApi, type Dashboard, dashboardApi, keyAction, nav, newEmail, PASSWORD, screenshots, signedUpPage, startDashboard } from './browser.js';

let dashboard: Dashboard;
beforeAll(async () => {
  dashboard = await startDashboard();
});
afterAll(() => dashboard?.close());

describe('the dashboard refuses clearly', () => {
  it('says "Email or password is incorrect" for a wrong password and signs in with the right one', async () => {
    const page = await dashboard.newPage();
    const email = newEmail();
    await page.goto('/signin');
    expect((await dashboardApi(page, 'POST', '/signup', { email, password: PASSWORD })).status).toBe(201);
    await dashboardApi(page, 'POST', '/signout');

    await page.goto('/signin');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Email or password is incorrect');
    await screenshots(page, 'signin-wrong-password');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
  });

  it('says why a sign-up is refused: a short password, a guessable one under the field, another password for a registered email', async () => {
    const page = await dashboard.newPage();
    const email = newEmail();
    await page.goto('/signup');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('at least 10 characters');

    await page.getByLabel('Password').fill('1234567890');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Password is too easy to guess: This is a frequently used password.').waitFor();
    await expect(page.getByLabel('Password').getAttribute('aria-invalid')).resolves.toBe('true');

    expect((await dashboardApi(page, 'POST', '/signup', { email, password: PASSWORD })).status).toBe(201);
    await dashboardApi(page, 'POST', '/signout');
    await page.goto('/signup');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('another long passphrase 7');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('If you already have an account with this email, sign in with its password');
  });

  it("shows the free plan's site limit once 3 sites exist and offers no way to add a 4th", async () => {
    const page = await signedUpPage(dashboard);
    for (const domain of ['one.example', 'two.example', 'three.example']) {
      expect((await dashboardApi(page, 'POST', '/sites', { domain: `${domain}.com` })).status).toBe(201);
    }
    await nav(page, 'Sites').click();
    await page.getByText('Your free plan allows 3 sites and all are in use').waitFor();
    await expect(page.getByLabel('Domain').count()).resolves.toBe(0);
    await screenshots(page, 'sites-limit');
    // The server enforces it too.
    const fourth = await dashboardApi<{ code: string }>(page, 'POST', '/sites', { domain: 'four.example.com' });
    expect([fourth.status, fourth.body.code]).toEqual([403, 'PLAN_LIMIT']);
  });

  it("shows the free plan's key limit once 3 keys exist and disables Generate New Key", async () => {
    const page = await signedUpPage(dashboard);
    await nav(page, 'API Keys').click();
    await page.getByText('0 of 3').waitFor();
    for (const name of ['one', 'two', 'three']) {
      expect((await dashboardApi(page, 'POST', '/keys', { name })).status).toBe(201);
    }
    await page.reload();
    await page.getByText("You have reached your plan's limit of 3 keys").waitFor();
    await expect(page.getByRole('button', { name: 'Generate New Key' }).isDisabled()).resolves.toBe(true);
    await screenshots(page, 'keys-limit');
    const fourth = await dashboardApi<{ code: string }>(page, 'POST', '/keys', { name: 'four' });
    expect([fourth.status, fourth.body.code]).toEqual([403, 'PLAN_LIMIT']);
  });

  it('refuses to delete a used key, says why and deactivates it instead; deletes a never-used one', async () => {
    const { server } = dashboard;
    const page = await signedUpPage(dashboard);
    const used = (await dashboardApi<IssuedKeyAnswer>(page, 'POST', '/keys', { name: 'Used key' })).body;
    await dashboardApi(page, 'POST', '/keys', { name: 'Spare key' });
    expect((await callApi(server, used.secret)).status).toBe(200);

    await nav(page, 'API Keys').click();
    const usedRow = page.getByRole('row').filter({ hasText: 'Used key' });
    await keyAction(page, 'Used key', 'Delete');
    const dialog = page.getByRole('dialog', { name: '"Used key" can\'t be deleted' });
    await expect(dialog.textContent()).resolves.toContain('Deactivate it');
    await screenshots(page, 'keys-delete-used', { fullPage: false });
    await dialog.getByRole('button', { name: 'Deactivate instead' }).click();
    await page.getByText('Deactivated "Used key"').waitFor();
    await expect.poll(() => usedRow.textContent()).toContain('Deactivated');
    const inactive = await callApi(server, used.secret);
    expect([inactive.status, inactive.body.code]).toEqual([401, 'INACTIVE_KEY']);

    await keyAction(page, 'Spare key', 'Delete');
    await page.getByRole('dialog', { name: 'Delete "Spare key"?' }).getByRole('button', { name: 'Delete key' }).click();
    await page.getByText('Deleted "Spare key"').waitFor();
    // The notice can show before the list is read again: wait for the row to go, as for the deactivation above.
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'Spare key' }).count()).toBe(0);
  });

  it('rotates a key with a grace period: the new secret is shown once, both keys work meanwhile', async () => {
    const { server } = dashboard;
    const page = await signedUpPage(dashboard);
    const old = (await dashboardApi<IssuedKeyAnswer>(page, 'POST', '/keys', { name: 'Backend' })).body;

    await nav(page, 'API Keys').click();
    await keyAction(page, 'Backend', 'Rotate');
    const dialog = page.getByRole('dialog', { name: 'Rotate "Backend"' });
    await dialog.getByLabel('Grace period for the old key').selectOption({ label: '24 hours' });
    await screenshots(page, 'keys-rotate-dialog', { fullPage: false });
    await dialog.getByRole('button', { name: 'Rotate key' }).click();
    await page.getByRole('heading', { name: 'Your new key "Backend (rotated)"' }).waitFor();
    const replacement = (await page.getByTestId('secret').textContent())!;
    await page.getByRole('row').filter({ hasText: 'Rotating' }).waitFor();

    expect((await callApi(server, replacement)).status).toBe(200);
    expect((await callApi(server, old.secret)).status).toBe(200);
  });

  it('generates a key restricted to one endpoint, which refuses others, then edits the restriction away', async () => {
    const { server } = dashboard;
    const page = await signedUpPage(dashboard);
    await nav(page, 'API Keys').click();
    await page.getByRole('button', { name: 'Generate New Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Reporting');
    await page.getByLabel('Test (sk_test_…)').check();
    await page.getByLabel('Allowed endpoints').fill('GET /api/v1/api-keys');
    await page.getByRole('button', { name: 'Generate key' }).click();
    const secret = (await page.getByTestId('secret').textContent())!;
    expect(secret).toMatch(/^sk_test_/);
    await page.getByRole('button', { name: 'I have stored it safely' }).click();

    const restricted = await callApi(server, secret);
    expect([restricted.status, restricted.body.code]).toEqual([403, 'KEY_RESTRICTED']);

    await keyAction(page, 'Reporting', 'Edit');
    await expect(page.getByLabel('Allowed endpoints').inputValue()).resolves.toBe('GET /api/v1/api-keys');
    await page.getByLabel('Allowed endpoints').fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved the changes to "Reporting"').waitFor();
    expect((await callApi(server, secret)).status).toBe(200);
  });

  it('pages through the logs 50 at a time and filters them by status class and key', async () => {
    const { server } = dashboard;
    const page = await signedUpPage(dashboard);
    const key = (await dashboardApi<IssuedKeyAnswer>(page, 'POST', '/keys', { name: 'Busy key' })).body;
    const idle = (await dashboardApi<IssuedKeyAnswer>(page, 'POST', '/keys', { name: 'Idle key' })).body;
    // The test server's clock moves only when told: the first 13 requests in one second meet the
    // account's 10 per second (3 refused with 429; past 10 refusals per key, code and minute the log
    // would summarise them in one row), then a second passes before every 10 more.
    const statuses: number[] = [];
    for (let i = 0; i < 55; i++) {
      if (i >= 13 && (i - 13) % 10 === 0) server.clock.advance(1000);
      statuses.push((await callApi(server, key.secret)).status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(52);

    await nav(page, 'Logs').click();
    await page.getByText('1–50 of 55 requests').waitFor();
    await page.getByRole('button', { name: 'Next' }).first().click();
    await page.getByText('51–55 of 55 requests').waitFor();
    await page.getByRole('button', { name: 'Previous' }).first().click();
    await page.getByText('1–50 of 55 requests').waitFor();

    await page.getByLabel('Status').selectOption('4xx');
    await page.getByText('1–3 of 3 requests').waitFor();
    await expect(page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).resolves.toBe('/dashboard/api/logs.csv?status=4xx');
    await page.getByLabel('Key').selectOption(idle.key.id);
    await page.getByText('No requests match these filters').waitFor();
    await screenshots(page, 'logs-filtered-empty');
  });

  it('shows the audit log 50 entries at a time and appends older ones on request', async () => {
    const page = await signedUpPage(dashboard);
    const { key } = (await dashboardApi<IssuedKeyAnswer>(page, 'POST', '/keys', { name: 'Renamed 0' })).body;
    for (let i = 1; i <= 54; i++) expect((await dashboardApi(page, 'PATCH', `/keys/${key.id}`, { name: `Renamed ${i}` })).status).toBe(200);

    await nav(page, 'Audit log').click();
    const entries = page.locator('.audit > li');
    await expect.poll(() => entries.count()).toBe(50);
    await expect(entries.first().textContent()).resolves.toMatch(/changed key\s*Renamed 54: name$/);
    await page.getByRole('button', { name: 'Show older' }).click();
    // The key's creation and its 54 changes, oldest last.
    await expect.poll(() => entries.count()).toBe(55);
    await expect(entries.last().textContent()).resolves.toMatch(/created key\s*Renamed 0$/);
    await expect(page.getByRole('button', { name: 'Show older' }).count()).resolves.toBe(0);
  });
});
