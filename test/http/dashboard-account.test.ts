import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { type DashboardClient, dashboardCall, PASSWORD, sessionCookieOf, signUp } from './dashboard-client.js';
import { expectError } from './expect-error.js';
import { forwardedFor } from './forwarded-for.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1', AUTH_FAIL_LIMIT: '3' } });
});
afterAll(() => server.close());

/** Another browser of the same user: a second sign-in, with its own cookie. */
async function signInAgain(client: DashboardClient, password = PASSWORD): Promise<string> {
  const result = await dashboardCall(server, undefined, 'POST', '/signin', { email: client.email, password });
  expect(result.status, result.text).toBe(200);
  return sessionCookieOf(result)!;
}

const NEW_PASSWORD = 'an entirely new passphrase';

describe('the account page API', () => {
  it("lists the user's live sessions newest first, marks this one, and shows no session ids", async () => {
    const client = await signUp(server);
    server.clock.advance(1000);
    const other = await signInAgain(client);
    await signUp(server); // someone else's session is not listed
    const { status, body, text } = await client.request('GET', '/sessions');
    expect(status).toBe(200);
    expect(body.sessions).toEqual([
      { current: false, created_at: expect.any(String), last_seen_at: expect.any(String), expires_at: expect.any(String) },
      { current: true, created_at: expect.any(String), last_seen_at: expect.any(String), expires_at: expect.any(String) },
    ]);
    expect(text).not.toContain(client.cookie.split('=')[1]);
    expect(text).not.toContain(other.split('=')[1]);
  });

  it('signs the user out of every other session, keeping this one, and audits it', async () => {
    const client = await signUp(server);
    const others = [await signInAgain(client), await signInAgain(client)];
    const stranger = await signUp(server);
    const ended = await client.request('POST', '/sessions/end-others');
    expect([ended.status, ended.body]).toEqual([200, { ended: 2 }]);
    for (const cookie of others) expectError(await dashboardCall(server, cookie, 'GET', '/session'), 401, 'NOT_SIGNED_IN');
    expect((await client.request('GET', '/session')).status).toBe(200);
    expect((await stranger.request('GET', '/session')).status).toBe(200);
    const audit = (await client.request('GET', '/audit')).body.entries[0];
    expect(audit).toMatchObject({ action: 'user.signed_out_elsewhere', user: { id: client.userId }, details: { via: 'dashboard', ended: 2 } });
    expectError(
      await dashboardCall(server, client.cookie, 'POST', '/sessions/end-others', undefined, { origin: 'https://evil.example' }),
      403,
      'CSRF_REJECTED',
    );
  });

  it('changes the password after checking the current one; other sessions end, this one stays, the old password stops working', async () => {
    const client = await signUp(server);
    const other = await signInAgain(client);
    const changed = await client.request('POST', '/password', { current_password: PASSWORD, new_password: NEW_PASSWORD });
    expect([changed.status, changed.body]).toEqual([200, { sessions_ended: 1 }]);
    expectError(await dashboardCall(server, other, 'GET', '/session'), 401, 'NOT_SIGNED_IN');
    expect((await client.request('GET', '/session')).status).toBe(200);
    expectError(await dashboardCall(server, undefined, 'POST', '/signin', { email: client.email, password: PASSWORD }), 401, 'INVALID_CREDENTIALS');
    await signInAgain(client, NEW_PASSWORD);
    expect((await client.request('GET', '/audit')).body.entries.map((entry: any) => entry.action)).toContain('user.password_changed');
  });

  it('refuses a wrong current password (counted like a failed sign-in) and a short new one, naming the field', async () => {
    const client = await signUp(server);
    const ip = forwardedFor('203.0.113.77');
    expectError(
      await client.request('POST', '/password', { current_password: 'not it at all', new_password: NEW_PASSWORD }, ip),
      400,
      'VALIDATION_ERROR',
      'current_password: is not your current password',
    );
    expectError(
      await client.request('POST', '/password', { current_password: PASSWORD, new_password: 'short' }, ip),
      400,
      'VALIDATION_ERROR',
      /^new_password: must be at least 10 characters/,
    );
    expectError(await client.request('POST', '/password', { current_password: PASSWORD }, ip), 400, 'VALIDATION_ERROR', /^new_password: /);
    // The password is unchanged.
    await signInAgain(client);
    // Guessing the current password through a stolen session gets the IP blocked like sign-in guesses.
    for (let i = 0; i < 2; i++) await client.request('POST', '/password', { current_password: `guess ${i}`, new_password: NEW_PASSWORD }, ip);
    expectError(await client.request('POST', '/password', { current_password: PASSWORD, new_password: NEW_PASSWORD }, ip), 403, 'IP_BLOCKED');
  });

  it('needs a session', async () => {
    expectError(await dashboardCall(server, undefined, 'GET', '/sessions'), 401, 'NOT_SIGNED_IN');
    expectError(await dashboardCall(server, undefined, 'POST', '/password', { current_password: PASSWORD, new_password: NEW_PASSWORD }), 401, 'NOT_SIGNED_IN');
  });
});
