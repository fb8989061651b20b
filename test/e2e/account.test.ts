import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, type Dashboard, dashboardApi, nav, PASSWORD, poll, screenshots, signedUpPage, startDashboard } from './browser.js';

let dashboard: Dashboard;
beforeAll(async () => {
  dashboard = await startDashboard();
});
afterAll(() => dashboard?.close());

const NEW_PASSWORD = 'a brand new passphrase';

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

describe('the account page', () => {
  it('changes the password (checking the current one), signing out the other browser; lists sessions and signs out everywhere else', {
    timeout: 90_000,
  }, async () => {
    const mine = await signedUpPage(dashboard, { viewport: { width: 390, height: 800 } });
    const email = (await dashboardApi<{ user: { email: string } }>(mine, 'GET', '/session')).body.user.email;
    const theirs = await dashboard.newPage();
    await signIn(theirs, email, PASSWORD);

    await nav(mine, 'Account').click();
    await mine.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    await expect(mine.title()).resolves.toBe('Account · Keygate');
    const sessions = mine.getByRole('region', { name: 'Signed-in sessions' });
    await poll(() => sessions.locator('tbody tr').count()).toBe(2);
    await sessions.getByText('This browser').waitFor();
    await expect(accessibilityViolations(mine)).resolves.toEqual([]);

    await mine.getByLabel('Current password').fill('not my password');
    await mine.getByLabel('New password').fill(NEW_PASSWORD);
    await mine.getByRole('button', { name: 'Change password' }).click();
    const current = mine.getByLabel('Current password');
    await poll(() => current.getAttribute('aria-invalid')).toBe('true');
    await expect(mine.evaluate(() => document.activeElement?.getAttribute('name'))).resolves.toBe('current_password');
    await screenshots(mine, 'account-wrong-password');
    await current.fill(PASSWORD);
    await mine.getByRole('button', { name: 'Change password' }).click();
    await mine.getByText('Your password is changed. 1 other session was signed out.').waitFor();
    await poll(() => sessions.locator('tbody tr').count()).toBe(1);

    // The other browser is signed out at its next step, and the old password is gone.
    await nav(theirs, 'Sites').click();
    await theirs.getByText('Your session has ended. Sign in again to continue.').waitFor();
    await theirs.getByLabel('Email').fill(email);
    await theirs.getByLabel('Password').fill(PASSWORD);
    await theirs.getByRole('button', { name: 'Sign in' }).click();
    await theirs
      .getByRole('alert')
      .getByText(/Email or password is incorrect/)
      .waitFor();
    await theirs.getByLabel('Password').fill(NEW_PASSWORD);
    await theirs.getByRole('button', { name: 'Sign in' }).click();
    await theirs.getByRole('heading', { name: 'Sites', level: 1 }).waitFor();

    await mine.reload();
    await poll(() => sessions.locator('tbody tr').count()).toBe(2);
    await mine.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await mine.getByText('Signed out everywhere else. 1 other session was signed out.').waitFor();
    await screenshots(mine, 'account');
    await nav(theirs, 'API Keys').click();
    await theirs.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expect(mine.getByRole('button', { name: 'Sign out everywhere else' }).isDisabled()).resolves.toBe(true);
  });

  it('links the API reference from the navigation', async () => {
    const page = await signedUpPage(dashboard);
    const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API reference' });
    await expect(link.getAttribute('href')).resolves.toBe('/docs');
    await link.click();
    await page.waitForURL(/\/docs/);
    await page.getByText('Keygate REST API').first().waitFor();
  });
});
