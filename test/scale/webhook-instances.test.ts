import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { WebhookReceiver } from '../http/webhook-receiver.js';
import { adminCli, ProcessWorld, uniqueEmail } from '../process/spawn.js';
import { freshPostgres } from '../services.js';

const world = new ProcessWorld();
let receiver: WebhookReceiver | undefined;
let dropDatabase: (() => Promise<void>) | undefined;
afterAll(async () => {
  await world.cleanup();
  await receiver?.close();
  await dropDatabase?.();
});

/**
 * SPEC §10 scaled out: two server processes on one PostgreSQL database both deliver, each event
 * reaches the receiver once, and when one is killed the other carries on with what is left.
 */
it('two instances deliver every event exactly once, and one carries on when the other is killed', async () => {
  receiver = await WebhookReceiver.start();
  const database = await freshPostgres();
  dropDatabase = () => database.drop();
  const dataDir = world.tempDir();
  const plansFile = join(dataDir, 'plans.json');
  writeFileSync(plansFile, JSON.stringify({ roomy: { max_keys: null } }));
  const env = { DATABASE_URL: database.url, PLANS_FILE: plansFile, WEBHOOK_ALLOW_PRIVATE: '1', DATA_DIR: dataDir };
  const cli = adminCli(env);
  const { account_id: account } = await cli.ok('create-account', '--email', uniqueEmail(), '--password', 'correct horse battery', '--plan', 'roomy');
  await cli.ok('create-webhook', '--account', account, '--url', receiver.url('/shared'), '--event', 'key.created');
  const [first] = await Promise.all([world.startServer({ env }), world.startServer({ env })]);

  const keys: string[] = [];
  const createKeys = async (count: number) => {
    for (let i = 0; i < count; i++) keys.push((await cli.ok('create-key', '--account', account, '--name', `key ${keys.length}`)).id);
  };
  const keyIds = () => receiver!.at('/shared').map((request) => request.event.data.api_key.id as string);
  await createKeys(12);
  await receiver.waitFor('/shared', (got) => got.length >= keys.length, 30_000);

  first!.child.kill('SIGKILL');
  await first!.exited;
  await createKeys(6);
  await receiver.waitFor('/shared', (got) => got.length >= keys.length, 30_000);
  // Settle: a duplicate would arrive within the next polls.
  await new Promise((tick) => setTimeout(tick, 2500));
  expect(keyIds().sort()).toEqual([...keys].sort());
  const eventIds = receiver.at('/shared').map((request) => request.event.id);
  expect(new Set(eventIds).size).toBe(eventIds.length);
}, 120_000);
