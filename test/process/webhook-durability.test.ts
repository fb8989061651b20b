import { afterAll, expect, it } from 'vitest';
import { WebhookReceiver } from '../http/webhook-receiver.js';
import { adminCli, ProcessWorld, uniqueEmail } from './spawn.js';

const world = new ProcessWorld();
let receiver: WebhookReceiver | undefined;
afterAll(async () => {
  await world.cleanup();
  await receiver?.close();
});

const KEYS_BEFORE = 3;
const KEYS_WHILE_DOWN = 3;

/**
 * SPEC §10: an event is written in the transaction of its change, so a crash loses none. Events
 * fail at first (the receiver answers 503), the server is killed with SIGKILL, more events are
 * written by the admin CLI while it is down, and the restarted server delivers them all.
 */
it('delivers every event after the server is killed with SIGKILL, including those written while it was down', async () => {
  receiver = await WebhookReceiver.start();
  receiver.answer('/crash', 503);
  const dataDir = world.tempDir();
  const env = { DATA_DIR: dataDir, WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_RETRY_SCHEDULE_S: Array(30).fill('1').join(','), WEBHOOK_TIMEOUT_MS: '2000' };
  const cli = adminCli(env);
  const { account_id: account } = await cli.ok('create-account', '--email', uniqueEmail(), '--password', 'correct horse battery', '--plan', 'pro');

  expect((await adminCli({ DATA_DIR: dataDir }).refused('create-webhook', '--account', account, '--url', receiver.url('/crash'))).error).toMatch(
    /^url: 127\.0\.0\.1 resolves to 127\.0\.0\.1, which is not a public address/,
  );
  expect((await cli.refused('create-webhook', '--account', account, '--url', 'ftp://example.com/')).code).toBe('VALIDATION_ERROR');
  expect((await cli.refused('create-webhook', '--account', 'acct_0000000000000000', '--url', receiver.url('/crash'))).code).toBe('NOT_FOUND');
  const webhook = await cli.ok(
    'create-webhook',
    '--account',
    account,
    '--url',
    receiver.url('/crash'),
    '--event',
    'key.created',
    '--description',
    'crash test',
  );
  expect(webhook).toEqual({
    id: expect.stringMatching(/^wh_[0-9A-Za-z]{16}$/),
    url: receiver.url('/crash'),
    events: ['key.created'],
    secret: expect.stringMatching(/^whsec_[0-9A-Za-z]{32}$/),
  });

  const server = await world.startServer({ env });
  const keys: string[] = [];
  for (let i = 0; i < KEYS_BEFORE; i++) keys.push((await cli.ok('create-key', '--account', account, '--name', `before ${i}`)).id);
  await receiver.waitFor('/crash', (got) => new Set(got.map((request) => request.event.data.api_key.id)).size === KEYS_BEFORE);
  server.child.kill('SIGKILL');
  expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });

  for (let i = 0; i < KEYS_WHILE_DOWN; i++) keys.push((await cli.ok('create-key', '--account', account, '--name', `while down ${i}`)).id);
  receiver.answer('/crash', 200);
  const answeredBefore = receiver.at('/crash').length;
  await world.startServer({ env });
  const delivered = (requests: WebhookReceiver['received']) => new Set(requests.slice(answeredBefore).map((request) => request.event.data.api_key.id));
  await receiver.waitFor('/crash', (got) => delivered(got).size === keys.length, 30_000);
  expect([...delivered(receiver.at('/crash'))].sort()).toEqual([...keys].sort());

  const { deliveries } = await cli.ok('webhook-deliveries', '--webhook', webhook.id, '--limit', '500');
  const succeeded = deliveries.filter((delivery: { status: number }) => delivery.status === 200);
  expect(succeeded).toHaveLength(keys.length);
  expect(
    deliveries.filter((delivery: { status: number }) => delivery.status === 503).every((delivery: { error: string }) => delivery.error === 'HTTP 503'),
  ).toBe(true);
  expect(Object.keys(deliveries[0]).sort()).toEqual(['attempt', 'delivery_id', 'duration_ms', 'error', 'event_id', 'state', 'status', 'time', 'type']);
  expect(await cli.ok('delete-webhook', '--webhook', webhook.id)).toEqual({ id: webhook.id, deleted: true });
  expect((await cli.refused('webhook-deliveries', '--webhook', webhook.id)).code).toBe('NOT_FOUND');
}, 120_000);
