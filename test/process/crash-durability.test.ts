import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { adminCli, callApi, ProcessWorld, uniqueEmail } from './spawn.js';

const world = new ProcessWorld();
afterAll(() => world.cleanup());

const CONNECTIONS = 20;
const ANSWERS_PER_ROUND = 400;
const ROUNDS = 4;

/**
 * SPEC §4: a response that reached the client is already in the log. Drive load, kill -9
 * the server mid-stream, restart it, and compare what the clients saw with what was logged.
 */
it('loses no answered request when the server is killed with SIGKILL under load', async () => {
  const dataDir = world.tempDir();
  const plansFile = join(dataDir, 'plans.json');
  writeFileSync(plansFile, JSON.stringify({ load: { per_key_per_minute: null, account_per_second: null, account_per_minute: null } }));
  const env = { DATA_DIR: dataDir, PLANS_FILE: plansFile };
  const cli = adminCli(env);
  const { account_id: account } = await cli.ok('create-account', '--email', uniqueEmail(), '--password', 'correct horse battery', '--plan', 'load');
  const { id: keyId, key } = await cli.ok('create-key', '--account', account, '--name', 'load');
  // Several rounds: each kill lands at a different point of the batch cycle.
  const answered: string[] = [];
  let sent = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const server = await world.startServer({ env });
    let killed = false;
    const client = async () => {
      while (!killed) {
        sent++;
        try {
          const response = await fetch(`${server.url}/api/v1/sites`, { headers: { authorization: `Bearer ${key}` } });
          await response.text();
          expect(response.status).toBe(200);
          answered.push(response.headers.get('x-request-id')!);
        } catch (error) {
          if (!killed) throw error;
        }
      }
    };
    const clients = Array.from({ length: CONNECTIONS }, client);
    const target = answered.length + ANSWERS_PER_ROUND;
    while (answered.length < target) await new Promise((tick) => setTimeout(tick, 5));
    killed = true;
    server.child.kill('SIGKILL');
    await Promise.all(clients);
    expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
  }

  const restarted = await world.startServer({ env });
  const { count, logs } = await cli.ok('logs', '--key', keyId, '--limit', '10000');
  const logged = new Set(logs.map((log: { id: string }) => log.id));
  expect(answered.filter((id) => !logged.has(id))).toEqual([]);
  // Rows beyond the answers are requests committed while their answer was on its way when the process died.
  expect(count).toBeGreaterThanOrEqual(answered.length);
  expect(count).toBeLessThanOrEqual(sent);
  expect(count - answered.length).toBeLessThanOrEqual(CONNECTIONS * ROUNDS);

  expect((await callApi(`${restarted.url}/api/v1/sites`, key)).status).toBe(200);
  expect((await cli.ok('logs', '--key', keyId, '--limit', '1')).count).toBe(count + 1);
});
