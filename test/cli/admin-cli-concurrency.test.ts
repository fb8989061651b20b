import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { adminCli, ProcessWorld } from '../process/spawn.js';

const world = new ProcessWorld();
afterAll(() => world.cleanup());

// Regression: account creation used to read before writing, and SQLite refuses such a
// transaction at once ("database is locked", exit 1 INTERNAL) when another connection
// commits in between. Ten concurrent creations beside a busy writer hit it most runs.
it('creates accounts concurrently while another connection keeps writing', async () => {
  const dataDir = world.tempDir();
  const cli = adminCli({ DATA_DIR: dataDir });
  await cli.ok('create-account', '--email', 'first@example.com', '--password', 'correct horse battery');

  const writer = new Database(join(dataDir, 'keygate.db'));
  writer.pragma('busy_timeout = 5000');
  const touch = writer.prepare('update accounts set plan = plan');
  let writing = true;
  const writes = (async () => {
    while (writing) {
      touch.run();
      await new Promise((tick) => setImmediate(tick));
    }
  })();
  try {
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) => cli.ok('create-account', '--email', `concurrent${i}@example.com`, '--password', 'correct horse battery')),
    );
    expect(new Set(created.map((account) => account.account_id)).size).toBe(10);
  } finally {
    writing = false;
    await writes;
    writer.close();
  }
});

it('refuses every duplicate but one when the same email is created concurrently', async () => {
  const cli = adminCli({ DATA_DIR: world.tempDir() });
  await cli.ok('create-account', '--email', 'seed@example.com', '--password', 'correct horse battery');
  const results = await Promise.all(
    Array.from({ length: 4 }, () => cli.run('admin', 'create-account', '--email', 'same@example.com', '--password', 'correct horse battery')),
  );
  expect(results.map((result) => result.code).sort()).toEqual([0, 1, 1, 1]);
  for (const refused of results.filter((result) => result.code === 1)) expect(JSON.parse(refused.stderr).code).toBe('EMAIL_TAKEN');
});

// Regression: Kysely runs SQLite migrations without a lock or a transaction, so processes
// opening a new database together failed with "table accounts already exists".
it('migrates a new database once when several processes open it together', async () => {
  for (let round = 0; round < 3; round++) {
    const cli = adminCli({ DATA_DIR: world.tempDir() });
    const results = await Promise.all(Array.from({ length: 6 }, () => cli.run('admin', 'set-plan', '--account', 'acct_0000000000000000', '--plan', 'pro')));
    for (const result of results) expect(JSON.parse(result.stderr)).toMatchObject({ code: 'NOT_FOUND' });
  }
});
