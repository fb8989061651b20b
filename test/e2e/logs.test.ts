import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedKeyAnswer } from '../../src/http/responses.js';
import { type Dashboard, dashboardApi, nav, poll, screenshots, signedUpPage, startDashboard } from './browser.js';

let dashboard: Dashboard;
beforeAll(async () => {
  dashboard = await startDashboard();
});
afterAll(() => dashboard?.close());

/** One API call as a customer's server makes it; its answer's request id. */
async function call(secret: string, path = '/api/v1/sites'): Promise<{ status: number; requestId: string }> {
  const response = await fetch(`${dashboard.server.url}${path}`, {
    headers: { authorization: `Bearer ${secret}`, 'user-agent': 'billing-cron/2.1', referer: 'https://app.example.com/' },
  });
  return { status: response.status, requestId: response.headers.get('x-request-id')! };
}

/** `YYYY-MM-DDTHH:MM` of a time, in UTC, as the custom range fields take it. */
function utcMinute(time: number): string {
  return new Date(time).toISOString().slice(0, 16);
}

describe('request logs in the dashboard', () => {
  it('keeps filters and page in the URL, pages from the top too, finds a request by id and shows everything about it', async () => {
    const page = await signedUpPage(dashboard, { viewport: { width: 390, height: 800 } });
    const key = (await dashboardApi<IssuedKeyAnswer>(page, 'POST', '/keys', { name: 'Logged key' })).body;
    // A second passes (on the server's clock) before every 10, so all 60 meet the account's 10 per
    // second; the 61st is refused by the key's 60 per minute.
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) {
      if (i > 0 && i % 10 === 0) dashboard.server.clock.advance(1000);
      statuses.push((await call(key.secret)).status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(60);
    const refused = await call(key.secret, '/api/v1/sites/site_000000000000');
    expect(refused.status).toBe(429);

    await nav(page, 'Logs').click();
    await page.getByText('1–50 of 61 requests').waitFor();
    await page.getByRole('navigation', { name: 'Pages, top' }).getByRole('button', { name: 'Next' }).click();
    await page.getByText('51–61 of 61 requests').waitFor();
    expect(new URL(page.url()).searchParams.get('page')).toBe('2');
    await page.reload();
    await page.getByText('51–61 of 61 requests').waitFor();
    await page.getByRole('navigation', { name: 'Pages, top' }).getByRole('button', { name: 'Previous' }).click();
    await page.getByText('1–50 of 61 requests').waitFor();

    await page.getByLabel('Status').selectOption('4xx');
    await page.getByText('1–1 of 1 request').waitFor();
    expect(new URL(page.url()).searchParams.get('status')).toBe('4xx');
    await page.reload();
    await page.getByText('1–1 of 1 request').waitFor();
    await expect(page.getByLabel('Status').inputValue()).resolves.toBe('4xx');
    await page.getByLabel('Status').selectOption('');

    // By request id, as an error answer carries it.
    await page.getByLabel('Request id').fill('req_not-an-id');
    await page.getByRole('button', { name: 'Find' }).click();
    await poll(() => page.getByLabel('Request id').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Request id').fill(refused.requestId);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByText('1–1 of 1 request,').waitFor();
    expect(new URL(page.url()).searchParams.get('request_id')).toBe(refused.requestId);
    await page.getByRole('button', { name: /^Details of GET \/api\/v1\/sites\/site_000000000000 at .* UTC$/ }).click();
    const details = page.locator('.request-details');
    const text = await details.textContent();
    for (const expected of [
      refused.requestId,
      'billing-cron/2.1',
      'https://app.example.com/',
      'Error codeRATE_LIMITED',
      `Logged key (${key.key.id}), live`,
      'Credits0',
      'Route/api/v1/sites/:id',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).toMatch(/Time\w{3} \d{1,2}, \d{4}, \d{2}:\d{2}:\d{2} UTC/);
    await screenshots(page, 'logs-details');
  });

  it('refreshes by itself in live mode, and filters by a custom UTC range', async () => {
    const { server } = dashboard;
    const page = await signedUpPage(dashboard);
    const key = (await dashboardApi<IssuedKeyAnswer>(page, 'POST', '/keys', { name: 'Live key' })).body;
    await call(key.secret);
    await nav(page, 'Logs').click();
    await page.getByText('1–1 of 1 request,').waitFor();
    await page.getByLabel('Live (every 5 s)').check();
    await call(key.secret);
    await call(key.secret);
    await page.getByText('1–3 of 3 requests, newest first, live').waitFor({ timeout: 15_000 });

    const now = server.clock.now();
    await page.getByLabel('Time').selectOption('custom');
    await page.getByLabel('From (UTC)').fill(utcMinute(now - 2 * 86_400_000));
    await page.getByLabel('To (UTC)').fill(utcMinute(now - 86_400_000));
    await page.getByText('No requests match these filters').waitFor();
    await page.getByLabel('To (UTC)').fill(utcMinute(now));
    await page.getByText('1–3 of 3 requests').waitFor();
    const url = new URL(page.url());
    expect([url.searchParams.get('range'), url.searchParams.get('to')]).toEqual(['custom', utcMinute(now)]);
    await expect(page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).resolves.toContain(
      `to=${encodeURIComponent(new Date(Date.parse(`${utcMinute(now)}:59.999Z`)).toISOString())}`,
    );
  });
});
