import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { dashboardCall, PASSWORD, sessionCookieOf, signUp } from './dashboard-client.js';
import { expectError } from './expect-error.js';
import { forwardedFor } from './forwarded-for.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1', AUTH_FAIL_LIMIT: '3' } });
});
afterAll(() => server.close());

/** Each test signs in from its own client IP, so that failures in one never block another. */
let ips = 0;
const fromNewIp = () => forwardedFor(`198.51.100.${++ips}`);

function setCookieLine(result: { headers: Headers }): string {
  return result.headers.getSetCookie().find((line) => line.startsWith('kg_session='))!;
}

describe('sign-up', () => {
  it('creates an account on the free plan, signs in and answers the session', async () => {
    const result = await dashboardCall(server, undefined, 'POST', '/signup', { email: ' New.User@Example.com ', password: PASSWORD });
    expect(result.status, result.text).toBe(201);
    expect(result.body).toEqual({
      user: { id: expect.stringMatching(/^user_/), email: 'new.user@example.com' },
      account: { id: expect.stringMatching(/^acct_/), plan: 'free' },
    });
    const cookie = sessionCookieOf(result)!;
    expect(cookie).toMatch(/^kg_session=sess_[0-9A-Za-z]{32}$/);
    const session = await dashboardCall(server, cookie, 'GET', '/session');
    expect(session.status).toBe(200);
    expect(session.body).toEqual(result.body);
  });

  it('sets the cookie HttpOnly, SameSite=Lax, Path=/, without Secure over plain HTTP', async () => {
    const result = await dashboardCall(server, undefined, 'POST', '/signup', { email: 'cookie@example.com', password: PASSWORD });
    const line = setCookieLine(result);
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Lax/);
    expect(line).toMatch(/; Path=\//);
    expect(line).toMatch(/; Expires=/);
    expect(line).not.toMatch(/Secure/i);
  });

  it('sets Secure when a trusted proxy says the request came over HTTPS', async () => {
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'dash.example.com', origin: 'https://dash.example.com' };
    const result = await dashboardCall(server, undefined, 'POST', '/signup', { email: 'secure@example.com', password: PASSWORD }, headers);
    expect(result.status, result.text).toBe(201);
    expect(setCookieLine(result)).toMatch(/; Secure/);
  });

  it('refuses a short password, a bad email and unknown fields', async () => {
    const call = (body: unknown) => dashboardCall(server, undefined, 'POST', '/signup', body);
    expectError(await call({ email: 'short@example.com', password: 'short' }), 400, 'VALIDATION_ERROR', 'password: must be at least 10 characters');
    expectError(await call({ email: 'not an email', password: PASSWORD }), 400, 'VALIDATION_ERROR', /^email: /);
    expectError(await call({ email: 'x@example.com' }), 400, 'VALIDATION_ERROR', 'password: is required');
    expectError(await call({ email: 'x@example.com', password: PASSWORD, plan: 'pro' }), 400, 'VALIDATION_ERROR', 'plan: is not a known field');
  });
});

describe('sign-in and sign-out', () => {
  it('signs in with a new session id each time; the cookie sent along stops working', async () => {
    const client = await signUp(server);
    const first = await dashboardCall(server, client.cookie, 'POST', '/signin', { email: client.email, password: PASSWORD }, fromNewIp());
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ user: { id: client.userId, email: client.email }, account: { id: client.accountId, plan: 'free' } });
    const rotated = sessionCookieOf(first)!;
    expect(rotated).not.toBe(client.cookie);
    expectError(await dashboardCall(server, client.cookie, 'GET', '/session'), 401, 'NOT_SIGNED_IN', 'Sign in first');
    expect((await dashboardCall(server, rotated, 'GET', '/session')).status).toBe(200);
    const audit = await dashboardCall(server, rotated, 'GET', '/audit');
    expect(audit.body.entries).toEqual([
      expect.objectContaining({ action: 'user.signed_in', user: { id: client.userId, email: client.email }, target_type: 'user', target_id: client.userId }),
    ]);
  });

  it('answers a wrong password and an unknown email with the same 401 INVALID_CREDENTIALS and no cookie', async () => {
    const client = await signUp(server);
    for (const body of [
      { email: client.email, password: 'wrong password!' },
      { email: 'nobody@example.com', password: PASSWORD },
      { email: 'not even an email', password: PASSWORD },
    ]) {
      const result = await dashboardCall(server, undefined, 'POST', '/signin', body, fromNewIp());
      expectError(result, 401, 'INVALID_CREDENTIALS', 'Email or password is incorrect');
      expect(sessionCookieOf(result)).toBeUndefined();
    }
  });

  it('signs out: 204, the session is gone and the cookie is cleared', async () => {
    const client = await signUp(server);
    const result = await client.request('POST', '/signout');
    expect(result.status).toBe(204);
    expect(setCookieLine(result)).toMatch(/^kg_session=;.*Expires=Thu, 01 Jan 1970/);
    expectError(await client.request('GET', '/session'), 401, 'NOT_SIGNED_IN', 'Sign in first');
    expectError(await client.request('GET', '/keys'), 401, 'NOT_SIGNED_IN');
  });

  it('answers 401 NOT_SIGNED_IN without a cookie, with an unknown one and after 30 days', async () => {
    expectError(await dashboardCall(server, undefined, 'GET', '/session'), 401, 'NOT_SIGNED_IN', 'Sign in first');
    expectError(await dashboardCall(server, 'kg_session=sess_00000000000000000000000000000000', 'GET', '/overview'), 401, 'NOT_SIGNED_IN');
    const client = await signUp(server);
    server.clock.advance(30 * 86_400_000 - 1000);
    expect((await client.request('GET', '/session')).status).toBe(200);
    server.clock.advance(1000);
    expectError(await client.request('GET', '/session'), 401, 'NOT_SIGNED_IN');
  });
});

describe('the Origin check on mutations', () => {
  it('refuses a mutation without Origin or from another origin with 403 CSRF_REJECTED, changing nothing', async () => {
    const client = await signUp(server);
    for (const origin of [undefined, 'https://evil.example', 'null', server.url.replace('127.0.0.1', 'localhost')]) {
      const headers: Record<string, string> = { cookie: client.cookie, 'content-type': 'application/json' };
      if (origin !== undefined) headers.origin = origin;
      const result = await server.call('/dashboard/api/keys', { method: 'POST', headers, body: JSON.stringify({ name: 'forged' }) });
      expectError(result, 403, 'CSRF_REJECTED', 'Cross-site request refused');
      expectError(await server.call('/dashboard/api/signout', { method: 'POST', headers }), 403, 'CSRF_REJECTED');
    }
    expect((await client.request('GET', '/keys')).body.keys).toEqual([]);
    expect((await client.request('GET', '/session')).status).toBe(200);
  });

  it('lets reads through without Origin', async () => {
    const client = await signUp(server);
    expect((await server.call('/dashboard/api/session', { headers: { cookie: client.cookie } })).status).toBe(200);
  });

  it('checks sign-up and sign-in too', async () => {
    const result = await server.call('/dashboard/api/signin', {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'x@example.com', password: PASSWORD }),
    });
    expectError(result, 403, 'CSRF_REJECTED');
  });
});

describe('failed sign-ins', () => {
  it('block the IP after AUTH_FAIL_LIMIT, for every dashboard request, with the right password too', async () => {
    const client = await signUp(server);
    const ip = fromNewIp();
    for (let i = 0; i < 3; i++) {
      expectError(
        await dashboardCall(server, undefined, 'POST', '/signin', { email: client.email, password: 'wrong password!' }, ip),
        401,
        'INVALID_CREDENTIALS',
      );
    }
    expectError(
      await dashboardCall(server, undefined, 'POST', '/signin', { email: client.email, password: PASSWORD }, ip),
      403,
      'IP_BLOCKED',
      'IP temporarily blocked',
    );
    expectError(await client.request('GET', '/keys', undefined, ip), 403, 'IP_BLOCKED');
    expectError(await client.request('GET', '/session', undefined, ip), 403, 'IP_BLOCKED');
    expectError(await server.call('/api/v1/sites', { headers: ip }), 403, 'IP_BLOCKED');
    expect((await client.request('GET', '/session', undefined, fromNewIp())).status).toBe(200);
  });
});

describe('secrets', () => {
  it('stores only the hash of session ids and the password, and logs neither nor the cookie', async () => {
    const client = await signUp(server, 'secret-holder@example.com');
    const signedIn = await dashboardCall(server, undefined, 'POST', '/signin', { email: client.email, password: PASSWORD }, fromNewIp());
    const sessionIds = [client.cookie, sessionCookieOf(signedIn)!].map((cookie) => cookie.split('=')[1]!);
    await dashboardCall(server, `kg_session=${sessionIds[1]}`, 'GET', '/keys');
    const rows = await server.tableRows(['sessions', 'users', 'audit_log']);
    expect(rows).toContain(client.userId);
    for (const secret of [...sessionIds, PASSWORD]) expect(rows).not.toContain(secret);
    expect(server.logs.some((line) => line.includes('/dashboard/api/signin'))).toBe(true);
    for (const line of server.logs) {
      for (const secret of [...sessionIds, PASSWORD]) expect(line).not.toContain(secret);
      expect(line.toLowerCase()).not.toContain('set-cookie');
    }
  });
});

describe('without TRUST_PROXY', () => {
  let direct: TestServer;
  beforeAll(async () => {
    direct = await startTestServer();
  });
  afterAll(() => direct.close());

  it("believes no X-Forwarded-Proto or X-Forwarded-Host: the origin stays the socket's", async () => {
    const forged = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'dash.example.com', origin: 'https://dash.example.com' };
    expectError(await dashboardCall(direct, undefined, 'POST', '/signup', { email: 'forged@example.com', password: PASSWORD }, forged), 403, 'CSRF_REJECTED');
    const result = await dashboardCall(
      direct,
      undefined,
      'POST',
      '/signup',
      { email: 'direct@example.com', password: PASSWORD },
      { 'x-forwarded-proto': 'https' },
    );
    expect(result.status, result.text).toBe(201);
    expect(setCookieLine(result)).not.toMatch(/Secure/i);
  });
});
