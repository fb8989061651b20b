import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKey } from '../../src/core/model.js';
import { generateApiKey } from '../../src/lib/key-format.js';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from './expect-error.js';
import { forwardedFor } from './forwarded-for.js';
import { type KeysServer, scanReport, signingKey, startKeysServer } from './scanner-keys.js';

/**
 * SPEC §9: the code hosts' secret-scanning reports, signed with keys published on a local
 * keys server, and the public report endpoint.
 */

let server: TestServer;
let keysServer: KeysServer;
let account: string;
const current = signingKey('current-key-id');
/** Every secret these tests hand to the server, to check that none reaches a log line. */
const secrets: string[] = [];

beforeAll(async () => {
  keysServer = await startKeysServer([current]);
  server = await startTestServer({
    env: {
      TRUST_PROXY: '127.0.0.1',
      AUTH_FAIL_LIMIT: '2',
      SECRET_SCANNING_GITHUB_KEYS_URL: keysServer.url('github'),
      SECRET_SCANNING_GITLAB_KEYS_URL: keysServer.url('gitlab'),
    },
  });
  account = await server.newAccount({ plan: 'pro' });
});
afterAll(async () => {
  await server?.close();
  await keysServer?.close();
});

async function newKey(mode: 'live' | 'test' = 'live') {
  const issued = await server.newKey(account, { mode });
  secrets.push(issued.secret);
  return issued;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const stored = async (id: string): Promise<ApiKey> => (await server.services.store.keys.find(id))!;

async function auditOf(keyId: string) {
  const { entries } = await server.services.audit.page(account, undefined, 100);
  return entries.filter((entry) => entry.targetId === keyId).map(({ action, details }) => ({ action, details }));
}

let ips = 0;
const nextIp = () => `203.0.113.${++ips}`;

describe('POST /api/v1/secret-scanning/github', () => {
  it('labels each token, revokes the live and test keys of this server, and records why', async () => {
    const live = await newKey('live');
    const test = await newKey('test');
    const revoked = await newKey('live');
    await server.services.keys.revokeKey(revoked.key.id, 'operator');
    const unknown = generateApiKey('live');
    const url = 'https://github.com/octo/app/blob/abc123/.env';
    const batch = [
      { token: live.secret, type: 'keygate_api_key', url, source: 'content' },
      { token: test.secret, type: 'keygate_api_key', url, source: 'commit' },
      { token: revoked.secret, type: 'keygate_api_key', url, source: 'content' },
      { token: unknown, type: 'keygate_api_key', url, source: 'content' },
      { token: 'sk_live_not-a-key', type: 'keygate_api_key', url, source: 'content' },
    ];
    const body = JSON.stringify(batch);
    const { status, body: labels, text } = await scanReport(server, 'github', body, current);
    expect(status, text).toBe(200);
    expect(labels).toEqual(
      batch.map(({ token }, i) => ({ token_hash: sha256(token), token_type: 'keygate_api_key', label: i < 3 ? 'true_positive' : 'false_positive' })),
    );

    for (const { key } of [live, test]) {
      expect(await stored(key.id)).toMatchObject({ revokedAt: server.clock.now(), leak: { source: 'github', url, dismissedAt: null } });
      expect(await auditOf(key.id)).toContainEqual({ action: 'key.revoked', details: { via: 'leak_report', reason: 'leaked', source: 'github', url } });
    }
    expectError(await server.call('/api/v1/sites', { key: live.secret, headers: forwardedFor(nextIp()) }), 401, 'INVALID_KEY');
    // Revoked before the report: it stays as it was, unflagged.
    expect((await stored(revoked.key.id)).leak).toBeNull();
    expect((await auditOf(revoked.key.id)).filter((entry) => entry.details.reason === 'leaked')).toEqual([]);

    // The same report again: the same answer, and nothing more changes.
    const before = [await stored(live.key.id), await auditOf(live.key.id)];
    server.clock.advance(1000);
    const again = await scanReport(server, 'github', body, current);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(labels);
    expect([await stored(live.key.id), await auditOf(live.key.id)]).toEqual(before);
  });

  it('verifies the raw bytes: a body signed as sent is taken, however it is formatted', async () => {
    const { key, secret } = await newKey();
    const body = `[\n  {"type": "keygate_api_key",   "token": "${secret}", "url": "https://gist.github.com/x", "source": "gist"}\n]`;
    const { status, body: labels } = await scanReport(server, 'github', body, current);
    expect(status).toBe(200);
    expect(labels).toEqual([{ token_hash: sha256(secret), token_type: 'keygate_api_key', label: 'true_positive' }]);
    expect((await stored(key.id)).revokedAt).toBe(server.clock.now());
  });

  it('answers 401 INVALID_SIGNATURE and changes nothing for a missing, wrong or tampered signature or an unknown identifier', async () => {
    const { key, secret } = await newKey();
    const body = JSON.stringify([{ token: secret, type: 'keygate_api_key', url: 'https://github.com/o/r', source: 'content' }]);
    const impostor = signingKey('current-key-id');
    const signature = current.sign(body);
    const attempts = [
      scanReport(server, 'github', body, undefined),
      scanReport(server, 'github', body, undefined, { 'github-public-key-identifier': current.identifier }),
      scanReport(server, 'github', body, undefined, { 'github-public-key-signature': signature }),
      scanReport(server, 'github', body, impostor),
      scanReport(server, 'github', body, current, { 'github-public-key-signature': 'bm90IGEgc2lnbmF0dXJl' }),
      scanReport(server, 'github', body, current, { 'github-public-key-signature': `${signature}, ${signature}` }),
      // Signed, then re-serialised or altered on the way.
      scanReport(server, 'github', JSON.stringify(JSON.parse(body), null, 1), undefined, {
        'github-public-key-identifier': current.identifier,
        'github-public-key-signature': signature,
      }),
      scanReport(server, 'github', body.replace('content', 'commit'), undefined, {
        'github-public-key-identifier': current.identifier,
        'github-public-key-signature': signature,
      }),
      scanReport(server, 'github', body, signingKey('nobody-knows-this-id')),
    ];
    for (const result of await Promise.all(attempts)) expectError(result, 401, 'INVALID_SIGNATURE');
    expect(await stored(key.id)).toMatchObject({ revokedAt: null, leak: null });
    expect(await auditOf(key.id)).toEqual([{ action: 'key.created', details: { mode: 'live', via: 'cli' } }]);
  });

  it('answers 400 VALIDATION_ERROR for a signed body that is not a batch of tokens', async () => {
    expectError(await scanReport(server, 'github', '{"token": "x"}', current), 400, 'VALIDATION_ERROR', /^body: /);
    expectError(await scanReport(server, 'github', '[{"type": "t"}]', current), 400, 'VALIDATION_ERROR', /^0: .*token/);
    expectError(await scanReport(server, 'github', 'not json', current), 400, 'VALIDATION_ERROR', 'body: is not valid JSON');
    const empty = await scanReport(server, 'github', '[]', current);
    expect([empty.status, empty.body]).toEqual([200, []]);
  });

  it('fetches the keys again for an unknown identifier, at most once a minute, and so follows a key rotation', async () => {
    const next = signingKey('next-key-id');
    const { key, secret } = await newKey();
    const body = JSON.stringify([{ token: secret, type: 'keygate_api_key', url: 'https://github.com/o/r', source: 'content' }]);
    server.clock.advance(60_000);
    // Unknown: fetched again (the host has not rotated yet), still unknown.
    const fetches = keysServer.fetches;
    expectError(await scanReport(server, 'github', body, next), 401, 'INVALID_SIGNATURE');
    expect(keysServer.fetches).toBe(fetches + 1);
    keysServer.publish([next, current]);
    // Within the minute: not fetched again, still refused.
    server.clock.advance(59_000);
    expectError(await scanReport(server, 'github', body, next), 401, 'INVALID_SIGNATURE');
    expect(keysServer.fetches).toBe(fetches + 1);
    expect((await stored(key.id)).revokedAt).toBeNull();
    server.clock.advance(1000);
    const rotated = await scanReport(server, 'github', body, next);
    expect(rotated.status, rotated.text).toBe(200);
    expect(keysServer.fetches).toBe(fetches + 2);
    expect((await stored(key.id)).leak?.source).toBe('github');
    // Known identifiers are served from the cache.
    expect((await scanReport(server, 'github', '[]', current)).status).toBe(200);
    expect(keysServer.fetches).toBe(fetches + 2);
  });

  it('survives and logs a failed fetch of the keys, and recovers once they can be fetched', async () => {
    const later = signingKey('later-key-id');
    const { key, secret } = await newKey();
    const body = JSON.stringify([{ token: secret, type: 'keygate_api_key', url: 'https://github.com/o/r', source: 'content' }]);
    keysServer.publish([later, current]);
    keysServer.failing = true;
    server.clock.advance(60_000);
    expectError(await scanReport(server, 'github', body, later), 401, 'INVALID_SIGNATURE');
    expect(server.logs.some((line) => /secret-scanning public keys could not be fetched/.test(line))).toBe(true);
    // The keys fetched before still verify.
    expect((await scanReport(server, 'github', '[]', current)).status).toBe(200);
    expect((await server.call('/healthz')).status).toBe(200);
    keysServer.failing = false;
    server.clock.advance(60_000);
    expect((await scanReport(server, 'github', body, later)).status).toBe(200);
    expect((await stored(key.id)).revokedAt).toBe(server.clock.now());
  });
});

describe('POST /api/v1/secret-scanning/gitlab', () => {
  it('revokes the reported keys with source gitlab and answers 204', async () => {
    const { key, secret } = await newKey();
    const url = 'https://gitlab.com/group/project/-/blob/main/config.yml';
    const body = JSON.stringify([
      { type: 'keygate_api_key', token: secret, url },
      { type: 'keygate_api_key', token: generateApiKey('test'), url },
    ]);
    const { status, text } = await scanReport(server, 'gitlab', body, current);
    expect([status, text]).toEqual([204, '']);
    expect((await stored(key.id)).leak).toMatchObject({ source: 'gitlab', url });
    expect(await auditOf(key.id)).toContainEqual({ action: 'key.revoked', details: { via: 'leak_report', reason: 'leaked', source: 'gitlab', url } });
  });

  it("checks the Gitlab- headers, not GitHub's", async () => {
    const { key, secret } = await newKey();
    const body = JSON.stringify([{ type: 'keygate_api_key', token: secret, url: 'https://gitlab.com/x' }]);
    const headers = { 'github-public-key-identifier': current.identifier, 'github-public-key-signature': current.sign(body) };
    expectError(await scanReport(server, 'gitlab', body, undefined, headers), 401, 'INVALID_SIGNATURE');
    expect((await stored(key.id)).revokedAt).toBeNull();
  });
});

describe('without SECRET_SCANNING_GITLAB_KEYS_URL', () => {
  it('answers 404 NOT_FOUND on the GitLab endpoint', async () => {
    const plain = await startTestServer();
    try {
      expectError(await scanReport(plain, 'gitlab', '[]', current), 404, 'NOT_FOUND');
    } finally {
      await plain.close();
    }
  });
});

describe('POST /api/v1/keys/report-leak', () => {
  const report = (body: unknown, ip: string) =>
    server.call('/api/v1/keys/report-leak', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...forwardedFor(ip) },
    });

  it('answers 202 {"received":true} alike for a live key, a revoked key and garbage, and revokes only the live key', async () => {
    const live = await newKey();
    const gone = await newKey();
    await server.services.keys.revokeKey(gone.key.id, 'operator');
    const url = 'https://pastebin.com/raw/abc';
    const answers = [];
    for (const key of [live.secret, gone.secret, generateApiKey('live'), 'garbage', '']) {
      const result = await report({ key, url }, nextIp());
      answers.push({
        status: result.status,
        text: result.text,
        cors: result.headers.get('access-control-allow-origin'),
        type: result.headers.get('content-type'),
      });
    }
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(answers[0]).toEqual({ status: 202, text: '{"received":true}', cors: '*', type: 'application/json; charset=utf-8' });
    await server.services.leaks.settled();
    expect((await stored(live.key.id)).leak).toMatchObject({ source: 'report', url, dismissedAt: null });
    expect(await auditOf(live.key.id)).toContainEqual({ action: 'key.revoked', details: { via: 'leak_report', reason: 'leaked', source: 'report', url } });
    expect((await stored(gone.key.id)).leak).toBeNull();
    // Without a URL, the flag says so.
    const bare = await newKey();
    expect((await report({ key: bare.secret }, nextIp())).status).toBe(202);
    await server.services.leaks.settled();
    expect((await stored(bare.key.id)).leak).toMatchObject({ source: 'report', url: null });
  });

  it('answers before the key is even looked up, so its timing tells nothing about the key', async () => {
    const { key, secret } = await newKey();
    const keys = server.services.store.keys;
    const lookUp = keys.findByHash;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let lookups = 0;
    keys.findByHash = async (hash) => {
      lookups++;
      await held;
      return lookUp.call(keys, hash);
    };
    try {
      for (const token of [secret, 'garbage']) expect((await report({ key: token }, nextIp())).status).toBe(202);
      expect((await stored(key.id)).revokedAt).toBeNull();
    } finally {
      release();
      keys.findByHash = lookUp;
    }
    await server.services.leaks.settled();
    expect(lookups).toBe(2);
    expect((await stored(key.id)).leak?.source).toBe('report');
  });

  it('refuses bodies that are not a report with 400, naming the field', async () => {
    const ip = nextIp();
    expectError(await report({ url: 'https://x.example' }, ip), 400, 'VALIDATION_ERROR', /^key: /);
    expectError(await report({ key: 'x', url: 'javascript:alert(1)' }, ip), 400, 'VALIDATION_ERROR', /^url: /);
    expectError(await report({ key: 'x', extra: 1 }, ip), 400, 'VALIDATION_ERROR', /^extra: /);
  });

  it('takes at most 10 reports per client IP per minute', async () => {
    const ip = nextIp();
    for (let i = 0; i < 10; i++) expect((await report({ key: 'garbage' }, ip)).status).toBe(202);
    const refused = await report({ key: 'garbage' }, ip);
    expectError(refused, 429, 'RATE_LIMITED');
    expect(refused.headers.get('retry-after')).toBe('60');
    expect((await report({ key: 'garbage' }, nextIp())).status).toBe(202);
    server.clock.advance(60_000);
    expect((await report({ key: 'garbage' }, ip)).status).toBe(202);
  });

  it('answers the CORS preflight of any origin', async () => {
    const { status, headers } = await server.call('/api/v1/keys/report-leak', {
      method: 'OPTIONS',
      headers: { origin: 'https://finder.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(status).toBe(204);
    expect(headers.get('access-control-allow-origin')).toBe('*');
    expect(headers.get('access-control-allow-headers')).toMatch(/content-type/i);
  });
});

describe('every leak endpoint', () => {
  it('is open to an IP blocked for failed authentications', async () => {
    const ip = nextIp();
    for (let i = 0; i < 2; i++) await server.call('/api/v1/sites', { key: generateApiKey('live'), headers: forwardedFor(ip) });
    expectError(await server.call('/api/v1/sites', { headers: forwardedFor(ip) }), 403, 'IP_BLOCKED');
    const { key, secret } = await newKey();
    const body = JSON.stringify([{ token: secret, type: 'keygate_api_key', url: 'https://github.com/o/r', source: 'content' }]);
    expect((await scanReport(server, 'github', body, current, forwardedFor(ip))).status).toBe(200);
    expect((await scanReport(server, 'gitlab', body, current, forwardedFor(ip))).status).toBe(204);
    const reported = await server.call('/api/v1/keys/report-leak', {
      method: 'POST',
      body: JSON.stringify({ key: secret }),
      headers: { 'content-type': 'application/json', ...forwardedFor(ip) },
    });
    expect(reported.status).toBe(202);
    expect((await stored(key.id)).leak?.source).toBe('github');
  });

  it('writes no key into any log line', async () => {
    await server.services.leaks.settled();
    expect(secrets.length).toBeGreaterThan(10);
    expect(server.logs.length).toBeGreaterThan(0);
    for (const line of server.logs) for (const secret of secrets) expect(line).not.toContain(secret.slice(8));
  });
});
