import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { DAY_MS } from '../lib/utc-days.js';
import { type AccountService, canonicalEmail, checkCredentialsForm } from './accounts.js';
import type { AuditLog } from './audit.js';
import { invalid, KeygateError } from './errors.js';
import type { Account, Millis } from './model.js';
import { checkPasswordForm, checkPasswordStrength, newPasswordHash, passwordMatches } from './passwords.js';
import type { FailedAuthLimiter, SignupLimiter, Store } from './ports.js';
import type { WebhookEvents } from './webhook-events.js';

/** A session lasts 30 days from sign-in, however active (absolute expiry); signing in again starts a new one. */
const SESSION_LIFETIME_MS = 30 * DAY_MS;
/** How often, at most, a session's last_seen_at is written. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

/** Who a session belongs to, as the dashboard shows it. */
export interface SessionOwner {
  user: { id: string; email: string };
  account: Account;
}

/** A new session: the owner, and the id that goes into the cookie (never stored as such). */
export interface SignedIn extends SessionOwner {
  sessionId: string;
  expiresAt: Millis;
}

export interface Credentials {
  email: string;
  password: string;
}

/** One of a user's sessions as the account page lists it; `current` is the one asking. */
export interface SessionSummary {
  current: boolean;
  createdAt: Millis;
  lastSeenAt: Millis;
  expiresAt: Millis;
}

export interface SessionServiceOptions {
  store: Store;
  accounts: AccountService;
  failedAuth: FailedAuthLimiter;
  signupLimiter: SignupLimiter;
  audit: AuditLog;
  webhookEvents: WebhookEvents;
  clock: Clock;
}

function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

/** Dashboard sign-up, sign-in and sign-out; sessions are looked up by the hash of their id. */
export class SessionService {
  /** Verified against when the email is unknown, so both failures take the same time. */
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly opts: SessionServiceOptions) {}

  /**
   * Creates an account on the free plan with its first user, and signs that user in.
   * Throttled per client IP: a refusal counts against `ip` like a failed sign-in. An email
   * that already has an account is never named as such: the sign-up is answered as a
   * sign-in with these credentials would be (signed in with its password; otherwise
   * INVALID_CREDENTIALS, counted against `ip`).
   */
  async signUp(credentials: Credentials, ip: string, previousSessionId?: string): Promise<SignedIn> {
    // The form first (cheap, and a typo should not use up the IP's sign-ups), then the throttle, then the costly work.
    const email = checkCredentialsForm(credentials);
    if (!(await this.opts.signupLimiter.admit(ip))) {
      await this.opts.failedAuth.recordFailure(ip);
      throw new KeygateError('RATE_LIMITED', 'Too many sign-ups from your network; try again later');
    }
    const created = await this.opts.accounts.createAccount(credentials).catch((error: unknown) => {
      if (error instanceof KeygateError && error.code === 'EMAIL_TAKEN') return undefined;
      throw error;
    });
    if (!created) return this.signIn(credentials, ip, previousSessionId);
    if (previousSessionId !== undefined) await this.signOut(previousSessionId);
    return this.start({ user: { id: created.userId, email }, account: await this.opts.accounts.getAccount(created.accountId) });
  }

  /**
   * Checks the password and starts a new session; `previousSessionId` (the cookie the browser
   * sent, if any) ends, so a session id fixed before sign-in is worth nothing after it.
   * A failure counts against `ip` like an invalid API key does.
   */
  async signIn({ email, password }: Credentials, ip: string, previousSessionId?: string): Promise<SignedIn> {
    if (previousSessionId !== undefined) await this.signOut(previousSessionId);
    const user = await this.opts.store.accounts.findUserByEmail(canonicalEmail(email));
    const valid = await passwordMatches(password, user?.passwordHash ?? (await this.dummy()));
    if (!user || !valid) {
      // A block is announced to the account of the user whose password was tried; an unknown email names no account.
      if ((await this.opts.failedAuth.recordFailure(ip)) && user) {
        const events = this.opts.webhookEvents;
        await events.emit([events.event(user.accountId, 'ip.blocked', { ip, cause: 'sign_in', user: { id: user.id, email: user.email } })]);
      }
      throw new KeygateError('INVALID_CREDENTIALS', 'Email or password is incorrect');
    }
    await this.opts.store.sessions.deleteExpired(this.opts.clock.now());
    const signedIn = await this.start({ user: { id: user.id, email: user.email }, account: await this.opts.accounts.getAccount(user.accountId) });
    await this.opts.audit.record(user.accountId, { userId: user.id }, 'user.signed_in', { type: 'user', id: user.id, name: user.email });
    return signedIn;
  }

  async signOut(sessionId: string): Promise<void> {
    await this.opts.store.sessions.delete(hashSessionId(sessionId));
  }

  /** The owner of a live session, or undefined for an unknown or expired one. */
  async resolve(sessionId: string): Promise<SessionOwner | undefined> {
    const idHash = hashSessionId(sessionId);
    const found = await this.opts.store.sessions.find(idHash);
    const now = this.opts.clock.now();
    if (!found) return undefined;
    const { session, email } = found;
    if (session.expiresAt <= now) {
      await this.opts.store.sessions.delete(idHash);
      return undefined;
    }
    if (now - session.lastSeenAt >= LAST_SEEN_RESOLUTION_MS) await this.opts.store.sessions.touch(idHash, now);
    return { user: { id: session.userId, email }, account: await this.opts.accounts.getAccount(session.accountId) };
  }

  /** The user's live sessions, newest first, the asking one marked. */
  async listSessions(owner: SessionOwner, currentSessionId: string): Promise<SessionSummary[]> {
    const current = hashSessionId(currentSessionId);
    const sessions = await this.opts.store.sessions.listByUser(owner.user.id, this.opts.clock.now());
    return sessions.map((session) => ({
      current: session.idHash === current,
      createdAt: session.createdAt,
      lastSeenAt: session.lastSeenAt,
      expiresAt: session.expiresAt,
    }));
  }

  /** Signs the user out of every other browser; returns how many sessions ended. */
  async endOtherSessions(owner: SessionOwner, currentSessionId: string): Promise<number> {
    const ended = await this.opts.store.sessions.deleteByUser(owner.user.id, hashSessionId(currentSessionId));
    await this.audit(owner, 'user.signed_out_elsewhere', { ended });
    return ended;
  }

  /**
   * Changes the password after checking the current one (a wrong one counts against `ip`
   * like a failed sign-in), and signs the user out of every other session; this one stays.
   */
  async changePassword(owner: SessionOwner, currentSessionId: string, passwords: { current: string; next: string }, ip: string): Promise<number> {
    const user = await this.opts.store.accounts.findUserByEmail(owner.user.email);
    if (!user || !(await passwordMatches(passwords.current, user.passwordHash))) {
      await this.opts.failedAuth.recordFailure(ip);
      throw invalid('current_password', 'is not your current password');
    }
    checkPasswordForm(passwords.next, 'new_password');
    checkPasswordStrength(passwords.next, user.email, 'new_password');
    await this.opts.store.accounts.setPasswordHash(user.id, await newPasswordHash(passwords.next));
    const ended = await this.opts.store.sessions.deleteByUser(user.id, hashSessionId(currentSessionId));
    await this.audit(owner, 'user.password_changed', { sessions_ended: ended });
    return ended;
  }

  private audit(owner: SessionOwner, action: 'user.password_changed' | 'user.signed_out_elsewhere', details: Record<string, unknown>): Promise<void> {
    return this.opts.audit.record(owner.account.id, { userId: owner.user.id }, action, { type: 'user', id: owner.user.id, name: owner.user.email }, details);
  }

  private async start(owner: SessionOwner): Promise<SignedIn> {
    const sessionId = newId('sess');
    const now = this.opts.clock.now();
    const expiresAt = now + SESSION_LIFETIME_MS;
    await this.opts.store.sessions.create({
      idHash: hashSessionId(sessionId),
      userId: owner.user.id,
      accountId: owner.account.id,
      createdAt: now,
      expiresAt,
      lastSeenAt: now,
    });
    return { ...owner, sessionId, expiresAt };
  }

  private dummy(): Promise<string> {
    // Made in the sign-in lane (it stands in for a stored hash), and made again if that failed.
    this.dummyHash ??= newPasswordHash(randomBytes(16).toString('hex'), 'high').catch((error: unknown) => {
      this.dummyHash = undefined;
      throw error;
    });
    return this.dummyHash;
  }
}
