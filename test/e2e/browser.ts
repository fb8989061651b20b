import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startTestServer, type TestServer, type TestServerOptions } from '../harness.js';
import { REPO } from '../process/spawn.js';

/**
 * Helpers for end-to-end tests of the dashboard: Debian's Chromium (never a downloaded
 * browser) driving the built SPA served by a real Keygate server.
 */

export const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(REPO, 'test-results/screenshots');
export const WIDTHS = [1280, 390] as const;

export interface Dashboard {
  server: TestServer;
  browser: Browser;
  /**
   * A fresh browser profile (no cookies) whose pages may read and write the clipboard;
   * `options` set its time zone (`timezoneId`), colour scheme, viewport...
   */
  newPage(options?: BrowserContextOptions): Promise<Page>;
  close(): Promise<void>;
}

export async function startDashboard(options: TestServerOptions = {}): Promise<Dashboard> {
  const server = await startTestServer(options);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const contexts: BrowserContext[] = [];
  return {
    server,
    browser,
    async newPage(options = {}) {
      const context = await browser.newContext({
        baseURL: server.url,
        viewport: { width: WIDTHS[0], height: 900 },
        permissions: ['clipboard-read', 'clipboard-write'],
        ...options,
      });
      context.setDefaultTimeout(10_000);
      contexts.push(context);
      return context.newPage();
    },
    async close() {
      await Promise.all(contexts.map((context) => context.close()));
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Saves the page at each of WIDTHS as test-results/screenshots/<name>-<width>.png, then
 * restores 1280 px. Whole pages by default; the viewport only for a modal dialog, whose
 * backdrop covers only the viewport.
 */
export async function screenshots(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage, animations: 'disabled' });
  }
  await page.setViewportSize({ width: WIDTHS[0], height: 900 });
}

let users = 0;

/** A unique email for a new dashboard user. */
export function newEmail(): string {
  return `e2e${++users}-${process.pid}-${Date.now()}@example.com`;
}

export const PASSWORD = 'correct horse battery staple';

/**
 * Calls the dashboard API from inside the page, as the SPA does: same origin, the page's
 * session cookie, and the Origin header the browser adds to mutations.
 */
export async function dashboardApi<T = unknown>(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const response = await fetch(`/dashboard/api${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
    },
    { method, path, body },
  ) as Promise<{ status: number; body: T }>;
}

/** Signs a new user up through the API (quicker than the form) and leaves the page on the Overview. */
export async function signedUpPage(dashboard: Dashboard, options?: BrowserContextOptions): Promise<Page> {
  const page = await dashboard.newPage(options);
  await page.goto('/signin');
  const { status } = await dashboardApi(page, 'POST', '/signup', { email: newEmail(), password: PASSWORD });
  if (status !== 201) throw new Error(`sign-up answered ${status}`);
  await page.goto('/');
  return page;
}

/** GET /api/v1/sites with an API key, from the test (Node's fetch), as a customer's server would. */
export async function callApi(server: TestServer, secret: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}/api/v1/sites`, { headers: { authorization: `Bearer ${secret}` } });
  return { status: response.status, body: await response.json() };
}

/** A link of the main navigation, by its exact text. */
export function nav(page: Page, label: string): Locator {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });
}

/** Chooses `action` ("Edit", "Revoke"...) in the "⋯" menu of the key named `keyName`, as a user does. */
export async function keyAction(page: Page, keyName: string, action: string): Promise<void> {
  await page.getByRole('button', { name: `Actions for ${keyName}`, exact: true }).click();
  await page.getByRole('menuitem', { name: `${action} ${keyName}`, exact: true }).click();
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * The WCAG 2.1 A and AA violations axe-core finds in the page as it is now, as
 * "rule: target" lines (empty when there are none). axe is evaluated through the DevTools
 * protocol: the dashboard's CSP rightly refuses an injected inline script.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const axe = (
      window as unknown as {
        axe: { run(context: Document, options: unknown): Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown[] }> }> }> };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map(
      (violation) => `${violation.id} (${violation.help}): ${violation.nodes.map((node) => JSON.stringify(node.target)).join(', ')}`,
    );
  }, WCAG_21_AA);
  return violations;
}

/** expect.poll with room for a loaded machine (a password check alone takes a good part of a second). */
export function poll<T>(read: () => T | Promise<T>) {
  return expect.poll(read, { timeout: 10_000 });
}
