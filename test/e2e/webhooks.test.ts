import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebhookReceiver } from '../http/webhook-receiver.js';
import { type Dashboard, nav, screenshots, signedUpPage, startDashboard } from './browser.js';

let dashboard: Dashboard;
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  dashboard = await startDashboard({ env: { WEBHOOK_ALLOW_PRIVATE: '1' } });
});
afterAll(async () => {
  await dashboard?.close();
  await receiver?.close();
});

it('Settings > Webhooks: adds an endpoint, shows and copies its secret once, tests it, reads the log, redelivers, disables, rolls and deletes', async () => {
  const page = await signedUpPage(dashboard);
  await nav(page, 'Webhooks').click();
  await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
  await page.getByText('No endpoints yet.').waitFor();

  await page.getByLabel('Endpoint URL').fill(receiver.url('/e2e'));
  await page.getByLabel('Description').fill('Deploy bot');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  const secret = await page.getByTestId('webhook-secret').textContent();
  expect(secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
  await page.getByText("Copy this secret now. It won't be shown again.").waitFor();
  await screenshots(page, 'webhook-secret');
  await page.getByRole('button', { name: 'Copy secret' }).click();
  await page.getByRole('button', { name: 'Copied' }).waitFor();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await page.getByRole('button', { name: 'I have stored it safely' }).click();
  await expect(page.getByTestId('webhook-secret').count()).resolves.toBe(0);
  expect(await page.content()).not.toContain(secret);

  await page.getByText('Deploy bot').waitFor();
  await page.getByRole('button', { name: 'Send test event' }).click();
  const [test] = await receiver.waitFor('/e2e', (got) => got.length === 1);
  expect(test!.event.type).toBe('webhook.test');
  const log = page.getByRole('table');
  await expect
    .poll(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return log.getByRole('row').filter({ hasText: 'webhook.test' }).count();
    })
    .toBe(1);
  await log.getByRole('row').filter({ hasText: '200' }).waitFor();
  await screenshots(page, 'webhooks');
  await log.getByRole('button', { name: 'Redeliver' }).click();
  const requests = await receiver.waitFor('/e2e', (got) => got.length === 2);
  expect(requests[1]!.event.id).toBe(test!.event.id);

  await page.getByRole('button', { name: 'Disable' }).click();
  await page.getByText('Endpoint disabled').waitFor();
  // The notice can show before the endpoint list is read again; the Enable button comes with that reading.
  await page.getByRole('button', { name: 'Enable' }).waitFor();
  await expect(page.getByRole('button', { name: 'Send test event' }).isDisabled()).resolves.toBe(true);

  await page.getByRole('button', { name: 'Roll secret' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Roll secret' }).click();
  const rolled = await page.getByTestId('webhook-secret').textContent();
  expect(rolled).toMatch(/^whsec_/);
  expect(rolled).not.toBe(secret);
  await page.getByRole('button', { name: 'I have stored it safely' }).click();

  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete endpoint' }).click();
  await page.getByText('No endpoints yet.').waitFor();
});
