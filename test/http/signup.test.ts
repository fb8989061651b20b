import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordWork } from '../../src/lib/password.js';
import { startTestServer, type TestServer } from '../harness.js';
import { dashboardCall, PASSWORD, sessionCookieOf, signUp } from './dashboard-client.js';
import { expectError } from './expect-error.js';
import { forwardedFor } from './forwarded-for.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { TRUST_PROXY: '127.0.0.1', SIGNUP_IP_LIMIT: '3', SIGNUP_IP_WINDOW_S: '3600', AUTH_FAIL_LIMIT: '3' } });
});
afterAll(() => server.close());

/** Each test signs up from its own client IPs, so that one test's throttle never touches another. */
let ips = 0;
const newIp = () => forwardedFor(`198.51.100.${++ips}`);
let emails = 0;
const newEmail = () => `signup${++emails}-${process.pid}@example.com`;

const signUpFrom = (ip: Record<string, string>, email: string, password = PASSWORD) =>
  dashboardCall(server, undefined, 'POST', '/signup', { email, password }, ip);

describe('sign-up throttle', () => {
  it('admits SIGNUP_IP_LIMIT sign-ups per IP in the window, refuses the next with 429, and lets other IPs be', async () => {
    const ip = newIp();
    for (let i = 0; i < 3; i++) expect((await signUpFrom(ip, newEmail())).status).toBe(201);
    const refused = await signUpFrom(ip, newEmail());
    expectError(refused, 429, 'RATE_LIMITED', 'Too many sign-ups from your network; try again later');
    expect(sessionCookieOf(refused)).toBeUndefined();
    expect((await signUpFrom(newIp(), newEmail())).status).toBe(201);
    server.clock.advance(3600_000);
    expect((await signUpFrom(ip, newEmail())).status).toBe(201);
  });

  it('counts refused sign-ups toward the IP block: past AUTH_FAIL_LIMIT every dashboard request of the IP is refused', async () => {
    const ip = newIp();
    for (let i = 0; i < 3; i++) expect((await signUpFrom(ip, newEmail())).status).toBe(201);
    for (let i = 0; i < 3; i++) expectError(await signUpFrom(ip, newEmail()), 429, 'RATE_LIMITED');
    expectError(await signUpFrom(ip, newEmail()), 403, 'IP_BLOCKED');
    expectError(await dashboardCall(server, undefined, 'POST', '/signin', { email: 'x@example.com', password: PASSWORD }, ip), 403, 'IP_BLOCKED');
  });

  it('does not spend a sign-up on a form refused by its cheap checks', async () => {
    const ip = newIp();
    for (let i = 0; i < 5; i++) expectError(await signUpFrom(ip, 'not an email'), 400, 'VALIDATION_ERROR', /^email: /);
    for (let i = 0; i < 3; i++) expect((await signUpFrom(ip, newEmail())).status).toBe(201);
  });
});

describe('sign-up of a registered email', () => {
  it("never says the email is taken: the owner's password signs in with the answer a new account gets, another is INVALID_CREDENTIALS", async () => {
    const owner = await signUp(server, newEmail());
    const again = await signUpFrom(newIp(), owner.email.toUpperCase());
    expect(again.status, again.text).toBe(201);
    expect(again.body).toEqual({ user: { id: owner.userId, email: owner.email }, account: { id: owner.accountId, plan: 'free' } });
    expect(sessionCookieOf(again)).toMatch(/^kg_session=sess_/);

    const guess = await signUpFrom(newIp(), owner.email, 'another long passphrase 7');
    expectError(guess, 401, 'INVALID_CREDENTIALS', 'Email or password is incorrect');
    expect(guess.text).not.toContain(owner.email);
    expect(sessionCookieOf(guess)).toBeUndefined();
    // The owner's account is as it was: the guess changed nothing and signs in with nothing.
    expect((await dashboardCall(server, undefined, 'POST', '/signin', { email: owner.email, password: PASSWORD }, newIp())).status).toBe(200);
  });

  it('counts a wrong password on a registered email toward the IP block, like a failed sign-in', async () => {
    const owner = await signUp(server, newEmail());
    const ip = newIp();
    for (let i = 0; i < 3; i++) expectError(await signUpFrom(ip, owner.email, `another long passphrase ${i}`), 401, 'INVALID_CREDENTIALS');
    expectError(await signUpFrom(ip, newEmail()), 403, 'IP_BLOCKED');
  });
});

describe('new passwords', () => {
  it.each([
    ['a common password', '1234567890', /^password: is too easy to guess: This is a frequently used password\./],
    ['ten spaces', ' '.repeat(10), /^password: is too easy to guess: Repeated characters/],
    ['the email in it', 'guessme-1@example.com', /^password: is too easy to guess/],
    ['ten NULs', '\0'.repeat(10), /^password: must not contain control characters/],
    ['a tab in a strong one', 'correct\thorse battery staple', /^password: must not contain control characters/],
  ])('refuses %s with 400 VALIDATION_ERROR saying why', async (_label, password, message) => {
    const email = 'guessme-1@example.com';
    expectError(await signUpFrom(newIp(), email, password), 400, 'VALIDATION_ERROR', message);
    expect(await server.services.store.accounts.findUserByEmail(email)).toBeUndefined();
  });

  it("refuses them from the admin CLI's service too: one rule for every entry point", async () => {
    await expect(server.services.accounts.createAccount({ email: newEmail(), password: '1234567890' })).rejects.toThrow(/^password: is too easy to guess/);
  });
});

describe('password hashing under a sign-up flood', () => {
  it('runs at most two hashes at once and lets a sign-in through ahead of the queued sign-ups', async () => {
    const owner = await signUp(server, newEmail());
    let peak = 0;
    let queued = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, passwordWork.running);
      queued = Math.max(queued, passwordWork.waiting('low'));
    }, 1);
    const finished: string[] = [];
    try {
      const flood = Array.from({ length: 12 }, (_, i) => signUpFrom(newIp(), newEmail()).then((result) => finished.push(`signup ${i} ${result.status}`)));
      // Once the flood is queued, a user signs in.
      while (passwordWork.waiting('low') < 6) await new Promise((resolve) => setTimeout(resolve, 5));
      const signIn = dashboardCall(server, undefined, 'POST', '/signin', { email: owner.email, password: PASSWORD }, newIp()).then((result) =>
        finished.push(`signin ${result.status}`),
      );
      await Promise.all([...flood, signIn]);
    } finally {
      clearInterval(sampler);
    }
    expect(peak).toBeLessThanOrEqual(2);
    expect(queued).toBeGreaterThanOrEqual(6);
    expect(finished.filter((entry) => entry.startsWith('signup')).every((entry) => entry.endsWith(' 201'))).toBe(true);
    // The sign-in waited only for the hashes already running, not for the sign-ups queued before it.
    expect(finished.indexOf('signin 200')).toBeGreaterThanOrEqual(0);
    expect(finished.length - 1 - finished.indexOf('signin 200')).toBeGreaterThanOrEqual(5);
  });
});
