import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCli, type Cli, callApi, expectNoStackTrace, ProcessWorld, type ServerProcess, uniqueEmail } from '../process/spawn.js';

const ISSUED_FIELDS = ['id', 'key', 'name', 'category', 'mode', 'prefix', 'last4', 'expires_at', 'created_at'];
const METADATA_FIELDS = ['id', 'name', 'category', 'mode', 'prefix', 'last4', 'active', 'expires_at', 'created_at', 'last_used_at', 'revoked_at'];
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const PASSWORD = 'correct horse battery';

const world = new ProcessWorld();
let cli: Cli;
let server: ServerProcess;

beforeAll(async () => {
  const env = { DATA_DIR: world.tempDir() };
  cli = adminCli(env);
  server = await world.startServer({ env });
});
afterAll(() => world.cleanup());

async function newAccount(plan?: string): Promise<string> {
  const created = await cli.ok('create-account', '--email', uniqueEmail(), '--password', PASSWORD, ...(plan ? ['--plan', plan] : []));
  return created.account_id as string;
}

async function newKey(account: string, ...options: string[]): Promise<Record<string, any>> {
  return cli.ok('create-key', '--account', account, '--name', `key ${Math.random().toString(36).slice(2, 10)}`, ...options);
}

function sites(key: string) {
  return callApi(`${server.url}/api/v1/sites`, key);
}

describe.concurrent('admin create-account', () => {
  it('prints the new account and user ids', async () => {
    const created = await cli.ok('create-account', '--email', uniqueEmail(), '--password', PASSWORD);
    expect(Object.keys(created).sort()).toEqual(['account_id', 'user_id']);
    expect(created.account_id).toMatch(/^acct_[0-9A-Za-z]{16}$/);
    expect(created.user_id).toMatch(/^user_[0-9A-Za-z]{16}$/);
  });

  it('refuses an email that already has an account with EMAIL_TAKEN, whatever its case', async () => {
    const email = uniqueEmail();
    await cli.ok('create-account', '--email', email, '--password', PASSWORD);
    expect((await cli.refused('create-account', '--email', email, '--password', PASSWORD)).code).toBe('EMAIL_TAKEN');
    expect((await cli.refused('create-account', '--email', email.toUpperCase(), '--password', PASSWORD)).code).toBe('EMAIL_TAKEN');
  });

  it('refuses a password under 10 characters with VALIDATION_ERROR naming the field', async () => {
    const refusal = await cli.refused('create-account', '--email', uniqueEmail(), '--password', 'short');
    expect(refusal.code).toBe('VALIDATION_ERROR');
    expect(refusal.error).toMatch(/^password: /);
  });
});

describe.concurrent('admin set-plan', () => {
  it('moves the account to another plan and prints it', async () => {
    const account = await newAccount();
    expect(await cli.ok('set-plan', '--account', account, '--plan', 'pro')).toEqual({ account_id: account, plan: 'pro' });
  });

  it('refuses a plan that is not defined', async () => {
    const account = await newAccount();
    const refusal = await cli.refused('set-plan', '--account', account, '--plan', 'platinum');
    expect(refusal.code).toBe('VALIDATION_ERROR');
    expect(refusal.error).toMatch(/^plan: /);
  });

  it('refuses an unknown account with NOT_FOUND', async () => {
    expect((await cli.refused('set-plan', '--account', 'acct_0000000000000000', '--plan', 'pro')).code).toBe('NOT_FOUND');
  });
});

describe.concurrent('admin create-site', () => {
  it('prints the site exactly as GET /api/v1/sites then lists it', async () => {
    const account = await newAccount();
    const site = await cli.ok('create-site', '--account', account, '--domain', 'example.com');
    expect(Object.keys(site)).toEqual(['id', 'domain', 'key', 'events_this_month', 'created_at']);
    expect(site).toMatchObject({ domain: 'example.com', events_this_month: 0 });
    expect(site.id).toMatch(/^site_[0-9A-Za-z]{12}$/);
    expect(site.key).toMatch(/^ak_[0-9A-Za-z]{24}$/);
    expect(site.created_at).toMatch(ISO_MS);
    const { key } = await newKey(account);
    expect((await sites(key)).body).toEqual({ sites: [site] });
  });

  it('refuses a fourth site on the free plan with PLAN_LIMIT naming the plan', async () => {
    const account = await newAccount();
    for (const domain of ['a.example.com', 'b.example.com', 'c.example.com']) await cli.ok('create-site', '--account', account, '--domain', domain);
    const refusal = await cli.refused('create-site', '--account', account, '--domain', 'd.example.com');
    expect(refusal.code).toBe('PLAN_LIMIT');
    expect(refusal.error).toMatch(/\bfree\b/);
    await cli.ok('set-plan', '--account', account, '--plan', 'pro');
    await cli.ok('create-site', '--account', account, '--domain', 'd.example.com');
  });

  it('stores the normalised host name and refuses the same domain written another way with VALIDATION_ERROR', async () => {
    const account = await newAccount();
    expect(await cli.ok('create-site', '--account', account, '--domain', 'https://Shop.Example.com/pricing')).toMatchObject({ domain: 'shop.example.com' });
    const refusal = await cli.refused('create-site', '--account', account, '--domain', 'SHOP.example.com.');
    expect(refusal).toEqual({ code: 'VALIDATION_ERROR', error: 'domain: shop.example.com is already one of your sites' });
  });

  it('refuses a domain that is not a domain name with VALIDATION_ERROR', async () => {
    const account = await newAccount();
    for (const domain of ['localhost', 'not a domain', 'example.123']) {
      const refusal = await cli.refused('create-site', '--account', account, '--domain', domain);
      expect(refusal.code).toBe('VALIDATION_ERROR');
      expect(refusal.error).toMatch(/^domain: /);
    }
  });
});

describe.concurrent('admin create-key', () => {
  it('prints exactly the issued-key fields with a well-formed live key, shown this once', async () => {
    const account = await newAccount();
    const issued = await cli.ok('create-key', '--account', account, '--name', 'Production Server');
    expect(Object.keys(issued).sort()).toEqual([...ISSUED_FIELDS].sort());
    expect(issued.key).toMatch(/^sk_live_[0-9A-Za-z]{32}$/);
    expect(issued).toMatchObject({
      name: 'Production Server',
      category: 'production',
      mode: 'live',
      prefix: 'sk_live_',
      last4: issued.key.slice(-4),
      expires_at: null,
    });
    expect(issued.id).toMatch(/^key_[0-9A-Za-z]{16}$/);
    expect(issued.created_at).toMatch(ISO_MS);
    expect((await sites(issued.key)).status).toBe(200);
  });

  it('issues an sk_test_ key with --mode test', async () => {
    const issued = await newKey(await newAccount(), '--mode', 'test');
    expect(issued.key).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
    expect(issued).toMatchObject({ mode: 'test', prefix: 'sk_test_' });
    expect((await sites(issued.key)).body).toEqual({ sites: [], livemode: false });
  });

  it('refuses a name already used by a live key of the account with NAME_TAKEN', async () => {
    const account = await newAccount();
    await cli.ok('create-key', '--account', account, '--name', 'Backend');
    expect((await cli.refused('create-key', '--account', account, '--name', 'Backend')).code).toBe('NAME_TAKEN');
  });

  it('refuses a fourth key on the free plan with PLAN_LIMIT naming the plan', async () => {
    const account = await newAccount();
    for (let i = 0; i < 3; i++) await newKey(account);
    const refusal = await cli.refused('create-key', '--account', account, '--name', 'one too many');
    expect(refusal.code).toBe('PLAN_LIMIT');
    expect(refusal.error).toMatch(/\bfree\b/);
  });

  it('refuses an expiry in the past and echoes one in the future', async () => {
    const account = await newAccount();
    const past = await cli.refused('create-key', '--account', account, '--name', 'old', '--expires', '2020-01-01T00:00:00Z');
    expect(past.code).toBe('VALIDATION_ERROR');
    const issued = await newKey(account, '--expires', '2099-01-31T00:00:00Z');
    expect(issued.expires_at).toBe('2099-01-31T00:00:00.000Z');
  });

  it('refuses what the dashboard refuses: a day that does not exist, an origin that can never match', async () => {
    const account = await newAccount();
    const rolled = await cli.refused('create-key', '--account', account, '--name', 'feb', '--expires', '2099-02-30T00:00:00Z');
    expect(rolled).toEqual({ code: 'VALIDATION_ERROR', error: '--expires: must be an ISO 8601 date-time that exists, such as 2027-01-31T00:00:00Z' });
    const star = await cli.refused('create-key', '--account', account, '--name', 'star', '--allow-referrer', 'https://*');
    expect(star.code).toBe('VALIDATION_ERROR');
    expect(star.error).toMatch(/^restrictions\.referrers: "https:\/\/\*" is not an origin/);
  });

  it('accepts quotas and restrictions, and the server enforces the restrictions', async () => {
    const account = await newAccount();
    const issued = await newKey(
      account,
      ...['--category', 'staging', '--quota-total', '1000', '--quota-daily', '100', '--quota-weekly', '500', '--quota-monthly', '900'],
      ...['--allow-ip', '127.0.0.1', '--allow-ip', '10.0.0.0/8', '--allow-ip', '::1'],
      ...['--allow-referrer', 'https://app.example.com', '--allow-referrer', 'https://*.example.com'],
      ...['--allow-endpoint', 'GET /api/v1/sites'],
    );
    expect(issued.category).toBe('staging');
    const origin = { headers: { origin: 'https://app.example.com' } };
    expect((await callApi(`${server.url}/api/v1/sites`, issued.key, origin)).status).toBe(200);
    expect((await callApi(`${server.url}/api/v1/api-keys`, issued.key, origin)).body.code).toBe('KEY_RESTRICTED');
    expect((await callApi(`${server.url}/api/v1/sites`, issued.key, { headers: { origin: 'https://evil.test' } })).body.code).toBe('KEY_RESTRICTED');
  });

  it('refuses a quota that is not a whole number', async () => {
    const refusal = await cli.refused('create-key', '--account', await newAccount(), '--name', 'k', '--quota-daily', 'lots');
    expect(refusal).toMatchObject({ code: 'VALIDATION_ERROR', error: expect.stringMatching(/^--quota-daily: /) });
  });
});

describe.concurrent('admin key state commands', () => {
  it("deactivate-key, reactivate-key and revoke-key print the key's metadata", async () => {
    const issued = await newKey(await newAccount());
    const deactivated = await cli.ok('deactivate-key', '--key', issued.id);
    expect(Object.keys(deactivated).sort()).toEqual([...METADATA_FIELDS].sort());
    expect(deactivated).toMatchObject({ id: issued.id, name: issued.name, last4: issued.last4, active: false, last_used_at: null, revoked_at: null });
    expect(JSON.stringify(deactivated)).not.toContain(issued.key);
    expect(await cli.ok('reactivate-key', '--key', issued.id)).toMatchObject({ id: issued.id, active: true, revoked_at: null });
    const revoked = await cli.ok('revoke-key', '--key', issued.id);
    expect(revoked.revoked_at).toMatch(ISO_MS);
    expect((await cli.refused('reactivate-key', '--key', issued.id)).code).toBe('NOT_FOUND');
  });

  it('a running server sees each change on the very next request', async () => {
    const { id, key } = await newKey(await newAccount());
    expect((await sites(key)).status).toBe(200);
    await cli.ok('deactivate-key', '--key', id);
    expect((await sites(key)).body.code).toBe('INACTIVE_KEY');
    await cli.ok('reactivate-key', '--key', id);
    expect((await sites(key)).status).toBe(200);
    await cli.ok('revoke-key', '--key', id);
    expect((await sites(key)).body.code).toBe('INVALID_KEY');
  });

  it('delete-key removes a key that was never used and prints its metadata', async () => {
    const issued = await newKey(await newAccount());
    const deleted = await cli.ok('delete-key', '--key', issued.id);
    expect(Object.keys(deleted).sort()).toEqual([...METADATA_FIELDS].sort());
    expect(deleted).toMatchObject({ id: issued.id, last_used_at: null });
    expect((await cli.refused('delete-key', '--key', issued.id)).code).toBe('NOT_FOUND');
    expect((await sites(issued.key)).body.code).toBe('INVALID_KEY');
  });

  it('delete-key refuses a key that has been used with KEY_USED and suggests deactivating', async () => {
    const { id, key } = await newKey(await newAccount());
    expect((await sites(key)).status).toBe(200);
    const refusal = await cli.refused('delete-key', '--key', id);
    expect(refusal.code).toBe('KEY_USED');
    expect(refusal.error).toMatch(/deactivate/i);
    expect((await sites(key)).status).toBe(200);
  });
});

describe.concurrent('admin rotate-key', () => {
  it('issues a replacement; during the grace both keys work and are listed', async () => {
    const account = await newAccount();
    const old = await cli.ok('create-key', '--account', account, '--name', 'Worker', '--category', 'staging');
    const rotated = await cli.ok('rotate-key', '--key', old.id, '--grace-seconds', '3600');
    expect(Object.keys(rotated).sort()).toEqual([...ISSUED_FIELDS].sort());
    expect(rotated).toMatchObject({ name: 'Worker (rotated)', category: 'staging', mode: 'live' });
    expect(rotated.key).toMatch(/^sk_live_[0-9A-Za-z]{32}$/);
    expect(rotated.id).not.toBe(old.id);
    expect((await sites(old.key)).status).toBe(200);
    const listed = await callApi(`${server.url}/api/v1/api-keys`, rotated.key);
    expect(listed.body.api_keys.map((key: { id: string }) => key.id).sort()).toEqual([old.id, rotated.id].sort());
  });

  it('revokes the old key at once without --grace-seconds', async () => {
    const old = await newKey(await newAccount());
    const rotated = await cli.ok('rotate-key', '--key', old.id, '--name', 'Fresh');
    expect(rotated.name).toBe('Fresh');
    expect((await sites(old.key)).body.code).toBe('INVALID_KEY');
    expect((await sites(rotated.key)).status).toBe(200);
  });

  it("rotates a key at the plan's key limit", async () => {
    const account = await newAccount();
    const keys = [await newKey(account), await newKey(account), await newKey(account)];
    await cli.ok('rotate-key', '--key', keys[0]!.id);
  });

  it('refuses a grace period over 7 days', async () => {
    const old = await newKey(await newAccount());
    const refusal = await cli.refused('rotate-key', '--key', old.id, '--grace-seconds', String(7 * 86_400 + 1));
    expect(refusal.code).toBe('VALIDATION_ERROR');
    expect((await sites(old.key)).status).toBe(200);
  });
});

describe.concurrent('admin logs', () => {
  it("prints the count of all the key's rows and the latest N, newest first, revoked keys included", async () => {
    const { id, key } = await newKey(await newAccount());
    const answers = [];
    for (const path of ['/api/v1/sites', '/api/v1/api-keys', '/api/v1/sites/site_000000000000']) {
      answers.push((await callApi(`${server.url}${path}`, key)).headers.get('x-request-id'));
    }
    await cli.ok('revoke-key', '--key', id);
    answers.push((await sites(key)).headers.get('x-request-id'));

    const { count, logs } = await cli.ok('logs', '--key', id, '--limit', '2');
    expect(count).toBe(4);
    expect(logs.map((log: { id: string }) => log.id)).toEqual(answers.slice(2).reverse());
    expect(logs[1]).toEqual({
      id: answers[2],
      time: expect.stringMatching(ISO_MS),
      key_id: id,
      mode: 'live',
      method: 'GET',
      route: '/api/v1/sites/:id',
      path: '/api/v1/sites/site_000000000000',
      status: 403,
      code: 'SITE_NOT_FOUND',
      duration_ms: expect.any(Number),
      ip: '127.0.0.1',
      referrer: null,
      user_agent: 'node',
      credits: 0,
      auth: 'key',
      requests: 1,
    });
    expect(logs[0]).toMatchObject({ status: 401, code: 'INVALID_KEY', credits: 0 });
    expect((await cli.ok('logs', '--key', id)).logs).toHaveLength(4);
  });

  it('refuses an unknown key with NOT_FOUND and a bad --limit with VALIDATION_ERROR', async () => {
    expect((await cli.refused('logs', '--key', 'key_0000000000000000')).code).toBe('NOT_FOUND');
    const { id } = await newKey(await newAccount());
    expect((await cli.refused('logs', '--key', id, '--limit', 'many')).code).toBe('VALIDATION_ERROR');
    expect((await cli.refused('logs', '--key', id, '--limit', '10001')).code).toBe('VALIDATION_ERROR');
  });
});

describe.concurrent('admin refusals', () => {
  it('answers an unknown command with exit 1 and JSON on stderr, no stack trace', async () => {
    const refusal = await cli.refused('mint-gold');
    expect(refusal.code).toBe('VALIDATION_ERROR');
    const bare = await cli.run();
    expect(bare.code).toBe(1);
    expect(bare.stdout).toBe('');
    expect(JSON.parse(bare.stderr)).toMatchObject({ code: 'VALIDATION_ERROR' });
    expectNoStackTrace(bare.stderr);
  });

  it('answers a missing required flag with VALIDATION_ERROR naming the flag', async () => {
    const refusal = await cli.refused('create-key', '--account', await newAccount());
    expect(refusal).toEqual({ code: 'VALIDATION_ERROR', error: expect.stringMatching(/^--name: /) });
  });

  it('answers an unknown flag or a flag without its value with VALIDATION_ERROR', async () => {
    expect((await cli.refused('deactivate-key', '--key', 'key_0000000000000000', '--force')).code).toBe('VALIDATION_ERROR');
    expect((await cli.refused('deactivate-key', '--key')).code).toBe('VALIDATION_ERROR');
  });

  it('answers an unknown key id with NOT_FOUND', async () => {
    for (const command of ['deactivate-key', 'reactivate-key', 'revoke-key', 'delete-key', 'rotate-key']) {
      expect((await cli.refused(command, '--key', 'key_0000000000000000')).code).toBe('NOT_FOUND');
    }
  });
});
