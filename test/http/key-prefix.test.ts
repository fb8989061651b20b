import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { startTestServer, type TestServer } from '../harness.js';

/** SPEC §2's KEY_PREFIX: a deployment that changes its prefix breaks no client. */

let before: TestServer;
let after: TestServer;
let account: string;
let oldSecret: string;

beforeAll(async () => {
  before = await startTestServer();
  account = await before.newAccount();
  oldSecret = (await before.newKey(account)).secret;
  // An instance on the same data configured with a new prefix, as after a redeploy.
  after = await startTestServer({ dataDir: before.dataDir, env: { ...before.env, KEY_PREFIX: 'acme' } });
});
afterAll(async () => {
  await after?.close();
  await before?.close();
});

describe('changing KEY_PREFIX', () => {
  it('issues keys under the new prefix and keeps accepting those issued under the old one', async () => {
    expect(oldSecret).toMatch(/^sk_live_/);
    const { secret, key } = await after.newKey(account);
    expect(secret).toMatch(/^acme_live_[0-9A-Za-z]{32}$/);
    expect(key.prefix).toBe('acme_live_');
    for (const token of [oldSecret, secret]) expect((await after.call('/api/v1/sites', { key: token })).status).toBe(200);
    const listed = await after.call('/api/v1/api-keys', { key: secret });
    expect(listed.body.api_keys.map((entry: { prefix: string }) => entry.prefix).sort()).toEqual(['acme_live_', 'sk_live_']);
  });

  it('still refuses a key under another prefix that was never issued here', async () => {
    const forged = oldSecret.replace('sk_', 'zz_');
    expect((await after.call('/api/v1/sites', { key: forged })).body.code).toBe('INVALID_KEY');
  });

  it("shows the prefix in the OpenAPI document, which documents the leak endpoints, and in the admin CLI's output", async () => {
    const openapi = (await after.call('/openapi.json')).body;
    expect(openapi.components.securitySchemes.apiKey.description).toContain('acme_live_');
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/v1/secret-scanning/github', '/api/v1/keys/report-leak']));
    let printed = '';
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed += String(chunk);
      return true;
    });
    try {
      expect(await runCli(['admin', 'create-key', '--account', account, '--name', 'From CLI', '--mode', 'test'], { ...after.env, KEY_PREFIX: 'acme' })).toBe(0);
    } finally {
      stdout.mockRestore();
    }
    const output = JSON.parse(printed);
    expect(output.key).toMatch(/^acme_test_[0-9A-Za-z]{32}$/);
    expect(output.prefix).toBe('acme_test_');
  });
});
