import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAccessToken } from '../../src/lib/access-token.js';
import { hashApiKey } from '../../src/lib/key-format.js';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from './expect-error.js';
import { oauthPost, obtainToken } from './oauth-client.js';

const PASSWORD = 'a secret passphrase 42';

let server: TestServer;
let account: string;
/** Every full key issued in this file. */
const secrets: string[] = [];
/** Every OAuth access token issued in this file: only its issuance answer may carry it. */
const tokens: string[] = [];

/** What must never be written anywhere after issuance: the key, its random part, its hash. */
function forbidden(): string[] {
  return [PASSWORD, ...secrets.flatMap((secret) => [secret, secret.slice(8, 34), hashApiKey(secret)])];
}

beforeAll(async () => {
  server = await startTestServer();
  const { accountId } = await server.services.accounts.createAccount({ email: 'secrets@example.com', password: PASSWORD, plan: 'pro' });
  account = accountId;
  await server.services.sites.createSite(accountId, 'example.com');
  const issue = async (input = {}) => {
    const issued = await server.newKey(accountId, input);
    secrets.push(issued.secret);
    return issued;
  };

  const main = await issue();
  const test = await issue({ mode: 'test' });
  const doomed = await issue();
  const rotating = await issue();

  await server.call('/api/v1/sites', { key: main.secret });
  await server.call('/api/v1/api-keys', { key: main.secret });
  await server.call('/api/v1/api-keys', { key: test.secret });
  await server.call(`/api/v1/api-keys/${doomed.key.id}`, { key: test.secret, method: 'DELETE' });
  await server.call(`/api/v1/api-keys/${doomed.key.id}`, { key: main.secret, method: 'DELETE' });
  expectError(await server.call('/api/v1/sites', { key: doomed.secret }), 401, 'INVALID_KEY');
  expectError(await server.call('/api/v1/sites', { key: `${main.secret.slice(0, -1)}${main.secret.endsWith('A') ? 'B' : 'A'}` }), 401, 'INVALID_KEY');
  expectError(await server.call('/api/v1/sites', { key: `${main.secret}x` }), 401, 'INVALID_KEY');
  expectError(await server.call('/api/v1/sites', { headers: { authorization: `Basic ${main.secret}` } }), 401, 'MISSING_KEY');
  expectError(await server.call('/api/v1/sites/site_000000000000', { key: main.secret }), 403, 'SITE_NOT_FOUND');
  expectError(await server.call('/api/v1/sites/%zz', { key: main.secret }), 400, 'VALIDATION_ERROR');

  const rotated = await server.services.keys.rotateKey(rotating.key.id, { accountId }, { graceSeconds: 60 });
  secrets.push(rotated.secret);
  expect((await server.call('/api/v1/sites', { key: rotating.secret })).status).toBe(200);
  expect((await server.call('/api/v1/sites', { key: rotated.secret })).status).toBe(200);
  server.clock.advance(61_000);
  expectError(await server.call('/api/v1/sites', { key: rotating.secret }), 401, 'INVALID_KEY');
  await server.call('/api/v1/api-keys', { key: rotated.secret });

  // OAuth: both client authentication methods, a refusal, a secret wrongly sent in the query string, use and revocation.
  tokens.push(await obtainToken(server, main.key.id, main.secret));
  const posted = await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials', client_id: test.key.id, client_secret: test.secret });
  tokens.push(posted.body.access_token);
  await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials' }, { basic: [main.key.id, test.secret] });
  await server.call(`/oauth/token?client_id=${main.key.id}&client_secret=${main.secret}`, { method: 'POST' });
  for (const token of tokens) {
    expect((await server.call('/api/v1/sites', { key: token })).status).toBe(200);
    await server.call('/api/v1/sites/site_000000000000', { key: token });
  }
  expect((await oauthPost(server, '/oauth/revoke', { token: tokens[0]! }, { basic: [main.key.id, main.secret] })).status).toBe(200);
  expectError(await server.call('/api/v1/sites', { key: tokens[0] }), 401, 'INVALID_KEY');
  server.clock.advance(3600_000);
  expectError(await server.call('/api/v1/sites', { key: tokens[1] }), 401, 'EXPIRED_KEY');
});
afterAll(() => server.close());

describe('after creating, using, failing with, revoking and rotating keys', () => {
  it("has captured the server's log lines and the answers", () => {
    expect(server.logs.length).toBeGreaterThan(0);
    expect(server.responses.length).toBeGreaterThan(10);
  });

  it('wrote no key, key hash or password to the request log', async () => {
    const { count, logs } = await server.services.requestLogs.list({ accountId: account, limit: 1000 });
    expect(count).toBeGreaterThan(10);
    const text = JSON.stringify(logs);
    for (const secret of forbidden()) expect(text).not.toContain(secret);
  });

  it('wrote no key, key hash or password to any log line', () => {
    for (const line of server.logs) {
      for (const secret of forbidden()) expect(line).not.toContain(secret);
    }
  });

  it('sent no key, key hash or password in any response body', () => {
    for (const body of server.responses) {
      for (const secret of forbidden()) expect(body).not.toContain(secret);
    }
  });

  it('wrote no OAuth access token or its hash to any log line, the request log or a response other than its issuance', async () => {
    expect(tokens).toHaveLength(2);
    const forbiddenTokens = tokens.flatMap((token) => [token, token.slice(3), hashAccessToken(token)]);
    const { logs } = await server.services.requestLogs.list({ accountId: account, limit: 1000 });
    // Two calls per token, and the expired one's refusal (a revoked token is unknown: not logged).
    expect(logs.filter((log) => log.auth === 'oauth')).toHaveLength(5);
    const written = [...server.logs, JSON.stringify(logs)];
    for (const text of written) for (const token of forbiddenTokens) expect(text).not.toContain(token);
    const issuances = server.responses.filter((body) => body.includes('"access_token"'));
    expect(issuances).toHaveLength(2);
    for (const body of server.responses.filter((body) => !issuances.includes(body))) {
      for (const token of forbiddenTokens) expect(body).not.toContain(token);
    }
  });

  it('never logged an Authorization value', () => {
    for (const line of server.logs) expect(line).not.toMatch(/bearer|basic /i);
  });
});

describe("the server's logger", () => {
  it('redacts the Authorization and Cookie headers wherever headers are logged', () => {
    const secret = secrets[0]!;
    const headers = { authorization: `Bearer ${secret}`, cookie: 'session=s3cr3t', 'user-agent': 'probe' };
    const before = server.logs.length;
    server.app.log.info({ headers }, 'headers');
    server.app.log.info({ req: { method: 'GET', url: '/', headers } }, 'request');
    const lines = server.logs.slice(before);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!).headers).toEqual({ authorization: '[redacted]', cookie: '[redacted]', 'user-agent': 'probe' });
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain('s3cr3t');
    }
  });
});

describe('request lines', () => {
  /** The URLs Fastify wrote an "incoming request" line for since `before`. */
  function requestLineUrls(before: number): string[] {
    return server.logs
      .slice(before)
      .map((line) => JSON.parse(line) as { msg?: string; req?: { url?: string } })
      .filter((entry) => entry.msg === 'incoming request')
      .map((entry) => entry.req?.url ?? '');
  }

  it('are written for operation endpoints but not for keyed API calls, whose row in the request log says more', async () => {
    const before = server.logs.length;
    await server.call('/healthz');
    await server.call('/api/v1/sites', { key: secrets[0]! });
    expect(requestLineUrls(before)).toEqual(['/healthz']);
  });
});
