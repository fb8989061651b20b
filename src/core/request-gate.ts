import { type Authenticator, IP_BLOCKED_MESSAGE, type PeekedKey } from './authenticator.js';
import type { ErrorCode } from './errors.js';
import type { ApiKey } from './model.js';
import type { Plan } from './plans.js';
import type { Admission, UsageLimiter, UsageLimits } from './ports.js';
import type { RequestTraits } from './restrictions.js';
import type { WindowState } from './rolling-windows.js';

export type GateOutcome =
  | {
      ok: true;
      key: ApiKey;
      perKey: WindowState | undefined;
      /** The version of stored keys and sites the key was checked at: what the route's own cached reads may use. */
      keysVersion: string;
    }
  | {
      ok: false;
      code: ErrorCode;
      message: string;
      /** Set once the presented key is known (revoked keys included): the request is logged. */
      key: ApiKey | undefined;
      perKey: WindowState | undefined;
      retryAfterSeconds: number | undefined;
    };

const RATE_LIMIT_MESSAGES: Record<Extract<Admission, { code: 'RATE_LIMITED' }>['limit'], (plan: Plan) => string> = {
  account_second: () => 'You have exceeded the per-second rate limit on your subscription',
  account_minute: () => 'You have exceeded the per-minute rate limit on your subscription',
  key_minute: (plan) => `Too many requests: this key is limited to ${plan.perKeyPerMinute} requests per minute`,
};

export interface RequestGateOptions {
  authenticator: Authenticator;
  limiter: UsageLimiter;
}

function limitsOf(key: ApiKey, plan: Plan): UsageLimits {
  return { accountPerSecond: plan.accountPerSecond, accountPerMinute: plan.accountPerMinute, perKeyPerMinute: plan.perKeyPerMinute, quotas: key.quotas };
}

/** SPEC §3 checks 1–9, in order: authentication, then the plan's rate limits and the key's quotas. */
export class RequestGate {
  constructor(private readonly opts: RequestGateOptions) {}

  async check(token: string | undefined, request: RequestTraits): Promise<GateOutcome> {
    const peeked = this.opts.limiter.admitGuarded && this.opts.authenticator.peek(token);
    const fast = peeked ? await this.checkCached(peeked, request) : undefined;
    if (fast) return fast;
    const auth = await this.opts.authenticator.authenticate(token, request);
    if (!auth.ok) return { ...auth, key: auth.key, perKey: undefined, retryAfterSeconds: undefined };
    const admission = await this.opts.limiter.admit(auth.key, limitsOf(auth.key, auth.plan));
    return this.outcome(auth.key, auth.plan, admission, auth.keysVersion);
  }

  /**
   * Where admission is a round trip anyway (Redis), a cached key that passes checks 2–6 costs
   * only that round trip: the same atomic step refuses a blocked IP (check 1) and reports
   * whether stored keys changed since the key was cached. Anything else (a refusal, a change)
   * is decided again by the full path, on the current record.
   */
  private async checkCached({ cached, version }: PeekedKey, request: RequestTraits): Promise<GateOutcome | undefined> {
    const verdict = this.opts.authenticator.verify(cached, request);
    if (!verdict.ok) return undefined;
    const admission = await this.opts.limiter.admitGuarded!(verdict.key, limitsOf(verdict.key, verdict.plan), { ip: request.ip, keysVersion: version });
    if (admission.ok === false && admission.code === 'KEYS_CHANGED') return undefined;
    if (admission.ok === false && admission.code === 'IP_BLOCKED') {
      return { ok: false, code: 'IP_BLOCKED', message: IP_BLOCKED_MESSAGE, key: undefined, perKey: undefined, retryAfterSeconds: undefined };
    }
    await this.opts.authenticator.touch(cached);
    return this.outcome(cached.key, verdict.plan, admission, version);
  }

  private outcome(key: ApiKey, plan: Plan, admission: Admission, keysVersion: string): GateOutcome {
    if (admission.ok) return { ok: true, key, perKey: admission.perKey, keysVersion };
    const refused = { ok: false as const, key, perKey: admission.perKey };
    return admission.code === 'RATE_LIMITED'
      ? { ...refused, code: 'RATE_LIMITED', message: RATE_LIMIT_MESSAGES[admission.limit](plan), retryAfterSeconds: admission.retryAfterSeconds }
      : { ...refused, code: 'QUOTA_EXCEEDED', message: `Rate limit exceeded: quota ${admission.quota}`, retryAfterSeconds: undefined };
  }
}
