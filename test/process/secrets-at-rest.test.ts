import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCli, callApi, ProcessWorld, type ServerProcess, uniqueEmail } from './spawn.js';

const world = new ProcessWorld();
const password = `Tr0ub4dor&3 ${randomBytes(6).toString('hex')}`;
const email = uniqueEmail();
let dataDir: string;
let server: ServerProcess;
/** Every secret key issued: live, test, a rotation's replacement and its rotated-away original. */
const secrets: string[] = [];

beforeAll(async () => {
  dataDir = world.tempDir();
  const cli = adminCli({ DATA_DIR: dataDir });
  server = await world.startServer({ env: { DATA_DIR: dataDir } });
  const { account_id: account } = await cli.ok('create-account', '--email', email, '--password', password);
  await cli.ok('create-site', '--account', account, '--domain', 'example.com');
  const live = await cli.ok('create-key', '--account', account, '--name', 'Live');
  const test = await cli.ok('create-key', '--account', account, '--name', 'Test', '--mode', 'test');
  const rotated = await cli.ok('rotate-key', '--key', live.id, '--grace-seconds', '3600');
  secrets.push(live.key, test.key, rotated.key);
  for (const key of secrets) {
    expect((await callApi(`${server.url}/api/v1/sites`, key)).status).toBe(200);
    expect((await callApi(`${server.url}/api/v1/api-keys`, key)).status).toBe(200);
  }
  expect((await callApi(`${server.url}/api/v1/api-keys/${test.id}`, test.key, { method: 'DELETE' })).status).toBe(200);
});
afterAll(() => world.cleanup());

/** The database file and its -wal / -shm companions, as raw bytes. */
function databaseBytes(): Buffer {
  const files = readdirSync(dataDir).filter((name) => name.startsWith('keygate.db'));
  expect(files).toContain('keygate.db');
  return Buffer.concat(files.map((name) => readFileSync(join(dataDir, name))));
}

function expectNoSecrets(bytes: Buffer): void {
  for (const secret of secrets) {
    for (const fragment of [secret, secret.slice(8), secret.slice(8, 34)]) {
      expect(bytes.includes(fragment), `a key fragment of ${fragment.length} characters is stored`).toBe(false);
      expect(bytes.includes(Buffer.from(fragment, 'utf16le'))).toBe(false);
    }
  }
  expect(bytes.includes(password), 'the password is stored').toBe(false);
  expect(bytes.includes(Buffer.from(password, 'utf16le'))).toBe(false);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('secrets at rest', () => {
  it('the database and its WAL hold key hashes but no key and no password while the server runs', () => {
    const bytes = databaseBytes();
    expectNoSecrets(bytes);
    // Controls: the bytes read are the live data.
    for (const secret of secrets) expect(bytes.includes(sha256(secret))).toBe(true);
    expect(bytes.includes(email)).toBe(true);
  });

  it('the server log holds no key, no key hash and no password', () => {
    const log = server.stdout() + server.stderr();
    expect(log).toContain('incoming request');
    for (const secret of secrets) {
      expect(log).not.toContain(secret.slice(8));
      expect(log).not.toContain(sha256(secret));
    }
    expect(log).not.toContain(password);
  });

  it('the database file holds no key and no password after a clean shutdown', async () => {
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    const bytes = databaseBytes();
    expectNoSecrets(bytes);
    for (const secret of secrets) expect(bytes.includes(sha256(secret))).toBe(true);
  });
});
