import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/lib/key-format.js';
import { startTestServer, type TestServer } from '../harness.js';
import { signUp } from './dashboard-client.js';
import { expectError } from './expect-error.js';
import { forwardedFor } from './forwarded-for.js';
import { basicAuth, expectOAuthError, FORM, oauthPost, obtainToken } from './oauth-client.js';

const HOUR = 3600_000;
const TOKENS_PER_MINUTE = 3;
const FAIL_LIMIT = 4;

let server: TestServer;
let ips = 0;
/** A client IP of its own for each test: failed client authentications count toward its block. */
const freshIp = () => `198.51.100.${++ips}`;

beforeAll(async () => {
  server = await startTestServer({
    // Refusals of revoked tokens from the loopback add up; the IP block has its own server below.
    env: { TRUST_PROXY: '127.0.0.1', AUTH_FAIL_LIMIT: '1000', OAUTH_TOKENS_PER_MINUTE: String(TOKENS_PER_MINUTE) },
    plans: { per_key: { per_key_per_minute: 5, account_per_second: null, account_per_minute: null } },
  });
});
afterAll(() => server.close());

async function keyWithSite(input = {}, plan = 'pro') {
  const account = await server.newAccount({ plan });
  const site = await server.services.sites.createSite(account, 'oauth.example.com');
  return { account, site, ...(await server.newKey(account, input)) };
}

describe('a real OAuth client (openid-client) against the metadata', () => {
  const discover = (clientId: string, secret: string, auth: client.ClientAuth) =>
    client.discovery(new URL(server.url), clientId, secret, auth, { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });

  it('obtains a token with client_secret_basic and reads the API with it as with the key', async () => {
    const { key, secret, site } = await keyWithSite();
    const config = await discover(key.id, secret, client.ClientSecretBasic());
    const tokens = await client.clientCredentialsGrant(config);
    expect(tokens.access_token).toMatch(/^at_[0-9A-Za-z]{40}$/);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    const response = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${server.url}/api/v1/sites`), 'GET');
    expect(response.status).toBe(200);
    const viaToken = await response.json();
    expect(viaToken).toEqual((await server.call('/api/v1/sites', { key: secret })).body);
    expect(viaToken.sites.map((listed: { id: string }) => listed.id)).toEqual([site.id]);
  });

  it('obtains a token with client_secret_post', async () => {
    const { key, secret } = await keyWithSite();
    const tokens = await client.clientCredentialsGrant(await discover(key.id, secret, client.ClientSecretPost()));
    expect((await server.call('/api/v1/api-keys', { key: tokens.access_token })).status).toBe(200);
  });

  it('is told invalid_client for a wrong secret', async () => {
    const { key } = await keyWithSite();
    const other = await keyWithSite();
    const config = await discover(key.id, other.secret, client.ClientSecretBasic());
    const refused = await client.clientCredentialsGrant(config).catch((error: unknown) => error);
    // A 401 with a challenge: the library reports the challenge and hands over the response.
    expect(refused).toBeInstanceOf(client.WWWAuthenticateChallengeError);
    const { status, cause, response } = refused as client.WWWAuthenticateChallengeError;
    expect(status).toBe(401);
    expect(cause).toEqual([{ scheme: 'basic', parameters: { realm: 'keygate' } }]);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });
});

describe('GET /.well-known/oauth-authorization-server', () => {
  it("describes the server as RFC 8414 asks, with the request's origin as issuer", async () => {
    const result = await server.call('/.well-known/oauth-authorization-server');
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      issuer: server.url,
      token_endpoint: `${server.url}/oauth/token`,
      revocation_endpoint: `${server.url}/oauth/revoke`,
      grant_types_supported: ['client_credentials'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      service_documentation: `${server.url}/docs`,
    });
  });
});

describe('with OAUTH_ISSUER set', () => {
  let configured: TestServer;
  beforeAll(async () => {
    configured = await startTestServer({ env: { OAUTH_ISSUER: 'https://api.example.com/' } });
  });
  afterAll(() => configured.close());

  it('names that issuer and its endpoints, whatever origin the request was made to', async () => {
    const { body } = await configured.call('/.well-known/oauth-authorization-server');
    expect(body).toMatchObject({
      issuer: 'https://api.example.com',
      token_endpoint: 'https://api.example.com/oauth/token',
      revocation_endpoint: 'https://api.example.com/oauth/revoke',
    });
  });
});

describe('POST /oauth/token', () => {
  it('answers the token with Cache-Control: no-store and Pragma: no-cache', async () => {
    const { key, secret } = await keyWithSite();
    const result = await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials' }, { basic: [key.id, secret] });
    expect(result.status).toBe(200);
    expect(Object.keys(result.body)).toEqual(['access_token', 'token_type', 'expires_in']);
    expect(result.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(result.headers.get('cache-control')).toBe('no-store');
    expect(result.headers.get('pragma')).toBe('no-cache');
  });

  it('form-urlencoding-decodes Basic credentials, ignores unknown parameters and treats empty ones as absent', async () => {
    const { key, secret } = await keyWithSite();
    const everyCharEncoded = (text: string) => [...text].map((char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    const authorization = `Basic ${Buffer.from(`${everyCharEncoded(key.id)}:${everyCharEncoded(secret)}`).toString('base64')}`;
    const result = await oauthPost(server, '/oauth/token', 'grant_type=client_credentials&scope=&audience=x', { headers: { authorization } });
    expect(result.status, result.text).toBe(200);
    expect(basicAuth('a b', 'c:d')).toBe(`Basic ${Buffer.from('a+b:c%3Ad').toString('base64')}`);
  });

  it('issues distinct tokens, each stored only as a hash', async () => {
    const { key, secret } = await keyWithSite();
    const first = await obtainToken(server, key.id, secret);
    const second = await obtainToken(server, key.id, secret);
    expect(first).not.toBe(second);
    const stored = await server.tableRows(['access_tokens']);
    expect(stored).not.toContain(first.slice(3));
    expect(stored).not.toContain(second.slice(3));
    expect(stored).toContain(key.id);
  });

  describe("refuses in RFC 6749 §5.2's terms", () => {
    const valid = async () => {
      const { key, secret } = await keyWithSite();
      return { key, secret, basic: [key.id, secret] as [string, string] };
    };

    it('a body that is not form parameters: invalid_request', async () => {
      const { basic } = await valid();
      const json = await server.call('/oauth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth(...basic) },
        body: JSON.stringify({ grant_type: 'client_credentials' }),
      });
      expectOAuthError(json, 400, 'invalid_request', /Content-Type/);
      expectOAuthError(await server.call('/oauth/token', { method: 'POST', headers: { authorization: basicAuth(...basic) } }), 400, 'invalid_request');
      expectOAuthError(await oauthPost(server, '/oauth/token', 'grant_type=client%zzcredentials', { basic }), 400, 'invalid_request', /percent-encoded/);
      expectOAuthError(await oauthPost(server, '/oauth/token', `grant_type=${'x'.repeat(9000)}`, { basic }), 413, 'invalid_request');
    });

    it('a repeated parameter: invalid_request (§3.2)', async () => {
      const { basic, key, secret } = await valid();
      expectOAuthError(
        await oauthPost(server, '/oauth/token', 'grant_type=client_credentials&grant_type=client_credentials', { basic }),
        400,
        'invalid_request',
        /^grant_type: must not be repeated$/,
      );
      const twice = `grant_type=client_credentials&client_id=${key.id}&client_secret=${secret}&client_secret=${secret}`;
      expectOAuthError(await oauthPost(server, '/oauth/token', twice), 400, 'invalid_request', /^client_secret: /);
    });

    it('no grant_type: invalid_request; another grant type: unsupported_grant_type; a scope: invalid_scope', async () => {
      const { basic } = await valid();
      expectOAuthError(await oauthPost(server, '/oauth/token', {}, { basic }), 400, 'invalid_request', /^grant_type: is required$/);
      for (const grantType of ['password', 'authorization_code', 'refresh_token', 'CLIENT_CREDENTIALS']) {
        expectOAuthError(await oauthPost(server, '/oauth/token', { grant_type: grantType }, { basic }), 400, 'unsupported_grant_type');
      }
      expectOAuthError(await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials', scope: 'sites:read' }, { basic }), 400, 'invalid_scope');
    });

    it('two client authentication methods at once: invalid_request (§2.3)', async () => {
      const { basic, key, secret } = await valid();
      const both = await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials', client_id: key.id, client_secret: secret }, { basic });
      expectOAuthError(both, 400, 'invalid_request', /not both/);
    });

    it('malformed client credentials: invalid_request', async () => {
      const { key, secret } = await valid();
      const noColon = `Basic ${Buffer.from(`${key.id}${secret}`).toString('base64')}`;
      expectOAuthError(
        await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials' }, { headers: { authorization: noColon } }),
        400,
        'invalid_request',
      );
      const badEncoding = `Basic ${Buffer.from(`${key.id}:%zz`).toString('base64')}`;
      expectOAuthError(
        await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials' }, { headers: { authorization: badEncoding } }),
        400,
        'invalid_request',
      );
      expectOAuthError(
        await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials', client_secret: secret }),
        400,
        'invalid_request',
        /^client_id: /,
      );
      const otherId = await oauthPost(
        server,
        '/oauth/token',
        { grant_type: 'client_credentials', client_id: 'key_0000000000000000' },
        { basic: [key.id, secret] },
      );
      expectOAuthError(otherId, 400, 'invalid_request', /^client_id: /);
    });

    it('a wrong, unknown, revoked, inactive or expired key: 401 invalid_client with WWW-Authenticate, by either method', async () => {
      const { key, secret } = await valid();
      const other = await valid();
      const revoked = await valid();
      await server.services.keys.revokeKey(revoked.key.id, 'operator');
      const inactive = await valid();
      await server.services.keys.deactivateKey(inactive.key.id, 'operator');
      const expiring = await keyWithSite({ expiresAt: server.clock.now() + 1000 });
      server.clock.advance(1000);
      const refusedClients: Array<[string, string]> = [
        [key.id, other.secret],
        [other.key.id, secret],
        ['key_0000000000000000', secret],
        [key.id, generateApiKey('live')],
        [key.id, 'not a key'],
        revoked.basic,
        inactive.basic,
        [expiring.key.id, expiring.secret],
      ];
      for (const [clientId, clientSecret] of refusedClients) {
        expectOAuthError(
          await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials' }, { basic: [clientId, clientSecret], ip: freshIp() }),
          401,
          'invalid_client',
        );
        const post = await oauthPost(
          server,
          '/oauth/token',
          { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
          { ip: freshIp() },
        );
        expectOAuthError(post, 401, 'invalid_client');
      }
    });

    it('GET: 404 NOT_FOUND, as any unknown route', async () => {
      expectError(await server.call('/oauth/token'), 404, 'NOT_FOUND');
    });
  });

  describe('failed client authentication and the IP block', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1', AUTH_FAIL_LIMIT: String(FAIL_LIMIT) } });
    });
    afterAll(() => server.close());
    const keyWithSite = async () => server.newKey(await server.newAccount());

    it('counts like INVALID_KEY: the limit-th failure is still invalid_client, then the IP gets 403 IP_BLOCKED everywhere', async () => {
      const { key, secret } = await keyWithSite();
      const other = await keyWithSite();
      const ip = freshIp();
      expectError(await server.call('/api/v1/sites', { key: generateApiKey('live'), headers: forwardedFor(ip) }), 401, 'INVALID_KEY');
      for (let i = 1; i < FAIL_LIMIT; i++) {
        expectOAuthError(
          await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials' }, { basic: [key.id, other.secret], ip }),
          401,
          'invalid_client',
        );
      }
      const blocked = await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials' }, { basic: [key.id, secret], ip });
      expectOAuthError(blocked, 403, 'IP_BLOCKED', /^IP temporarily blocked$/);
      expectOAuthError(await oauthPost(server, '/oauth/revoke', { token: 'x' }, { basic: [key.id, secret], ip }), 403, 'IP_BLOCKED');
      expectError(await server.call('/api/v1/sites', { key: secret, headers: forwardedFor(ip) }), 403, 'IP_BLOCKED');
      // Another client is served.
      expect((await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials' }, { basic: [key.id, secret], ip: freshIp() })).status).toBe(200);
    });

    it('no client authentication, or another scheme: 401 invalid_client with WWW-Authenticate, not counted toward the IP block', async () => {
      const { secret } = await keyWithSite();
      const ip = freshIp();
      for (let i = 0; i < FAIL_LIMIT; i++) {
        expectOAuthError(await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials' }, { ip }), 401, 'invalid_client');
        expectOAuthError(
          await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials' }, { ip, headers: { authorization: `Bearer ${secret}` } }),
          401,
          'invalid_client',
        );
      }
      expect((await server.call('/api/v1/sites', { key: secret, headers: forwardedFor(ip) })).status).toBe(200);
    });

    it('counts an unknown access token like an unknown key', async () => {
      const { secret } = await keyWithSite();
      const ip = freshIp();
      for (let i = 0; i < FAIL_LIMIT; i++) {
        expectError(await server.call('/api/v1/sites', { key: `at_${'0'.repeat(40)}`, headers: forwardedFor(ip) }), 401, 'INVALID_KEY', 'Invalid API Key');
      }
      expectError(await server.call('/api/v1/sites', { key: secret, headers: forwardedFor(ip) }), 403, 'IP_BLOCKED');
    });
  });

  describe('the issuance limit', () => {
    it(`admits ${TOKENS_PER_MINUTE} tokens per key in any rolling minute, then 429 with Retry-After`, async () => {
      const { key, secret } = await keyWithSite();
      const other = await keyWithSite();
      for (let i = 0; i < TOKENS_PER_MINUTE; i++) await obtainToken(server, key.id, secret);
      server.clock.advance(20_000);
      const refused = await oauthPost(server, '/oauth/token', { grant_type: 'client_credentials' }, { basic: [key.id, secret] });
      expectOAuthError(refused, 429, 'RATE_LIMITED', new RegExp(`${TOKENS_PER_MINUTE} tokens per minute`));
      expect(refused.headers.get('retry-after')).toBe('40');
      await obtainToken(server, other.key.id, other.secret);
      server.clock.advance(40_000);
      await obtainToken(server, key.id, secret);
    });
  });
});

describe('an access token on the REST API', () => {
  it("runs checks 1–10 as its key: restrictions, per-key limit shared with the key, and the route's own checks", async () => {
    const { key, secret } = await keyWithSite({ restrictions: { endpoints: ['GET /api/v1/sites', 'GET /api/v1/sites/:id'] } }, 'per_key');
    const token = await obtainToken(server, key.id, secret);
    expectError(await server.call('/api/v1/api-keys', { key: token }), 403, 'KEY_RESTRICTED');
    expectError(await server.call('/api/v1/sites/site_000000000000', { key: token }), 403, 'SITE_NOT_FOUND');
    for (let i = 0; i < 2; i++) expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    const viaToken = await server.call('/api/v1/sites', { key: token });
    expect(viaToken.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(viaToken.headers.get('ratelimit-policy')).toBe('"per-key";q=5;w=60');
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    expectError(await server.call('/api/v1/sites', { key: token }), 429, 'RATE_LIMITED', 'Too many requests: this key is limited to 5 requests per minute');
  });

  it("counts toward its key's quotas", async () => {
    const { key, secret } = await keyWithSite({ quotas: { daily: 2 } });
    const token = await obtainToken(server, key.id, secret);
    expect((await server.call('/api/v1/sites', { key: token })).status).toBe(200);
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    expectError(await server.call('/api/v1/sites', { key: token }), 401, 'QUOTA_EXCEEDED', 'Rate limit exceeded: quota daily');
  });

  it('of a test key answers in test mode: livemode false, dry-run writes, logged as test with 0 credits', async () => {
    const { key, secret, account } = await keyWithSite({ mode: 'test' });
    const victim = await server.newKey(account);
    const token = await obtainToken(server, key.id, secret);
    const listed = await server.call('/api/v1/sites', { key: token });
    expect(listed.body.livemode).toBe(false);
    const revoked = await server.call(`/api/v1/api-keys/${victim.key.id}`, { key: token, method: 'DELETE' });
    expect(revoked.body).toEqual({ id: victim.key.id, revoked: true, livemode: false });
    expect((await server.call('/api/v1/sites', { key: victim.secret })).status).toBe(200);
    const { logs } = await server.services.requestLogs.list({ keyId: key.id, limit: 10 });
    expect(logs.map((log) => [log.mode, log.credits, log.auth])).toEqual([
      ['test', 0, 'oauth'],
      ['test', 0, 'oauth'],
    ]);
  });

  it("is logged to its key and marked oauth, in the dashboard's log view and CSV too", async () => {
    const owner = await signUp(server);
    const { key, secret } = await server.newKey(owner.accountId);
    const token = await obtainToken(server, key.id, secret);
    expect((await server.call('/api/v1/sites', { key: token })).status).toBe(200);
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    expectError(await server.call('/api/v1/sites/site_000000000000', { key: token }), 403, 'SITE_NOT_FOUND');
    const { body } = await owner.request('GET', '/logs');
    expect(body.logs.map((log: any) => [log.key_id, log.status, log.auth, log.credits])).toEqual([
      [key.id, 403, 'oauth', 0],
      [key.id, 200, 'key', 1],
      [key.id, 200, 'oauth', 1],
    ]);
    const csv = (await owner.request('GET', '/logs.csv')).text.trim().split('\r\n');
    const column = csv[0]!.split(',').indexOf('auth');
    expect(column, csv[0]).not.toBe(-1);
    expect(csv.slice(1).map((line) => line.split(',')[column])).toEqual(['oauth', 'key', 'oauth']);
  });

  it('expires after 3600 seconds (EXPIRED_KEY); the key and new tokens keep working', async () => {
    const { key, secret } = await keyWithSite();
    const token = await obtainToken(server, key.id, secret);
    server.clock.advance(HOUR - 1);
    expect((await server.call('/api/v1/sites', { key: token })).status).toBe(200);
    server.clock.advance(1);
    expectError(await server.call('/api/v1/sites', { key: token }), 401, 'EXPIRED_KEY', 'Expired API Key');
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    expect((await server.call('/api/v1/sites', { key: await obtainToken(server, key.id, secret) })).status).toBe(200);
  });

  it('dies at once when its key is revoked, and answers like the key while it is deactivated or expired', async () => {
    const revoked = await keyWithSite();
    const revokedToken = await obtainToken(server, revoked.key.id, revoked.secret);
    expect((await server.call('/api/v1/sites', { key: revokedToken })).status).toBe(200);
    await server.services.keys.revokeKey(revoked.key.id, 'operator');
    expectError(await server.call('/api/v1/sites', { key: revokedToken }), 401, 'INVALID_KEY');

    const paused = await keyWithSite();
    const pausedToken = await obtainToken(server, paused.key.id, paused.secret);
    expect((await server.call('/api/v1/sites', { key: pausedToken })).status).toBe(200);
    await server.services.keys.deactivateKey(paused.key.id, 'operator');
    expectError(await server.call('/api/v1/sites', { key: pausedToken }), 401, 'INACTIVE_KEY');
    await server.services.keys.reactivateKey(paused.key.id, 'operator');
    expect((await server.call('/api/v1/sites', { key: pausedToken })).status).toBe(200);

    const expiring = await keyWithSite({ expiresAt: server.clock.now() + 60_000 });
    const expiringToken = await obtainToken(server, expiring.key.id, expiring.secret);
    expect((await server.call('/api/v1/sites', { key: expiringToken })).status).toBe(200);
    server.clock.advance(60_000);
    expectError(await server.call('/api/v1/sites', { key: expiringToken }), 401, 'EXPIRED_KEY');
  });

  it('of a key rotated with a grace period works through the grace, then dies with the old key', async () => {
    const { key, secret, account } = await keyWithSite();
    const token = await obtainToken(server, key.id, secret);
    const rotated = await server.services.keys.rotateKey(key.id, { accountId: account }, { graceSeconds: 60 });
    expect((await server.call('/api/v1/sites', { key: token })).status).toBe(200);
    server.clock.advance(60_000);
    expectError(await server.call('/api/v1/sites', { key: token }), 401, 'INVALID_KEY');
    expect((await server.call('/api/v1/sites', { key: await obtainToken(server, rotated.key.id, rotated.secret) })).status).toBe(200);
  });

  it('revoked through the REST API by its own key, dies with it', async () => {
    const { key, secret } = await keyWithSite();
    const token = await obtainToken(server, key.id, secret);
    expect((await server.call(`/api/v1/api-keys/${key.id}`, { key: token, method: 'DELETE' })).status).toBe(200);
    expectError(await server.call('/api/v1/sites', { key: token }), 401, 'INVALID_KEY');
  });
});

describe('POST /oauth/revoke (RFC 7009)', () => {
  it("revokes the client's own token at once, by either authentication method, and answers 200 again after", async () => {
    const { key, secret } = await keyWithSite();
    const first = await obtainToken(server, key.id, secret);
    const second = await obtainToken(server, key.id, secret);
    expect((await server.call('/api/v1/sites', { key: first })).status).toBe(200);
    const revoked = await oauthPost(server, '/oauth/revoke', { token: first, token_type_hint: 'access_token' }, { basic: [key.id, secret] });
    expect(revoked.status).toBe(200);
    expect(revoked.text).toBe('');
    expect(revoked.headers.get('cache-control')).toBe('no-store');
    expectError(await server.call('/api/v1/sites', { key: first }), 401, 'INVALID_KEY');
    expect((await server.call('/api/v1/sites', { key: second })).status).toBe(200);
    expect((await oauthPost(server, '/oauth/revoke', { token: first }, { basic: [key.id, secret] })).status).toBe(200);
    expect((await oauthPost(server, '/oauth/revoke', { token: second, client_id: key.id, client_secret: secret })).status).toBe(200);
    expectError(await server.call('/api/v1/sites', { key: second }), 401, 'INVALID_KEY');
  });

  it("answers 200 for unknown tokens and for another client's, which it leaves working", async () => {
    const { key, secret } = await keyWithSite();
    const other = await keyWithSite();
    const othersToken = await obtainToken(server, other.key.id, other.secret);
    for (const token of [`at_${'0'.repeat(40)}`, 'nonsense', other.secret, othersToken]) {
      expect((await oauthPost(server, '/oauth/revoke', { token, token_type_hint: 'refresh_token' }, { basic: [key.id, secret] })).status).toBe(200);
    }
    expect((await server.call('/api/v1/sites', { key: othersToken })).status).toBe(200);
    expect((await server.call('/api/v1/sites', { key: other.secret })).status).toBe(200);
  });

  it('refuses without a token (invalid_request) or without a good client (invalid_client), revoking nothing', async () => {
    const { key, secret } = await keyWithSite();
    const token = await obtainToken(server, key.id, secret);
    expectOAuthError(await oauthPost(server, '/oauth/revoke', {}, { basic: [key.id, secret] }), 400, 'invalid_request', /^token: is required$/);
    expectOAuthError(
      await oauthPost(server, '/oauth/revoke', `token=${token}&token=${token}`, { basic: [key.id, secret] }),
      400,
      'invalid_request',
      /repeated/,
    );
    expectOAuthError(await oauthPost(server, '/oauth/revoke', { token }), 401, 'invalid_client');
    expectOAuthError(await oauthPost(server, '/oauth/revoke', { token }, { basic: [key.id, generateApiKey('live')], ip: freshIp() }), 401, 'invalid_client');
    expect((await server.call('/api/v1/sites', { key: token })).status).toBe(200);
  });
});

describe('the dashboard', () => {
  it("shows each key's live tokens and revokes all of them at once, with an audit entry", async () => {
    const owner = await signUp(server);
    const other = await signUp(server);
    const { key, secret } = await server.newKey(owner.accountId);
    const bystander = await server.newKey(owner.accountId);
    const revokedOne = await obtainToken(server, key.id, secret);
    await oauthPost(server, '/oauth/revoke', { token: revokedOne }, { basic: [key.id, secret] });
    await obtainToken(server, key.id, secret);
    server.clock.advance(HOUR);
    const live = await obtainToken(server, key.id, secret);
    const spare = await obtainToken(server, bystander.key.id, bystander.secret);
    const liveTokens = async () => Object.fromEntries((await owner.request('GET', '/keys')).body.keys.map((listed: any) => [listed.id, listed.live_tokens]));
    expect(await liveTokens()).toEqual({ [key.id]: 1, [bystander.key.id]: 1 });

    expectError(await other.request('POST', `/keys/${key.id}/revoke-tokens`), 404, 'NOT_FOUND');
    const revoked = await owner.request('POST', `/keys/${key.id}/revoke-tokens`);
    expect(revoked.status, revoked.text).toBe(200);
    expect(revoked.body).toMatchObject({ revoked_tokens: 1, key: { id: key.id, live_tokens: 0, status: 'active' } });
    expectError(await server.call('/api/v1/sites', { key: live }), 401, 'INVALID_KEY');
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    expect((await server.call('/api/v1/sites', { key: spare })).status).toBe(200);
    expect(await liveTokens()).toEqual({ [key.id]: 0, [bystander.key.id]: 1 });

    const audit = (await owner.request('GET', '/audit')).body.entries;
    expect(audit[0]).toMatchObject({ action: 'key.tokens_revoked', target_id: key.id, user: { id: owner.userId }, details: { via: 'dashboard', count: 1 } });
  });
});

describe('the OpenAPI document', () => {
  it('declares the bearer and the oauth2 client-credentials schemes, and the API routes take either', async () => {
    const { body } = await server.call('/openapi.json');
    expect(body.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(body.components.securitySchemes.oauth2).toMatchObject({ type: 'oauth2', flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: {} } } });
    expect(body.paths['/api/v1/sites'].get.security).toEqual([{ apiKey: [] }, { oauth2: [] }]);
    expect(Object.keys(body.paths['/oauth/token'].post.requestBody.content)).toEqual([FORM]);
    expect(Object.keys(body.paths['/oauth/revoke'])).toEqual(['post']);
    expect(Object.keys(body.paths['/.well-known/oauth-authorization-server'])).toEqual(['get']);
  });
});
