import type { Authenticator } from './authenticator.js';
import type { ErrorCode } from './errors.js';
import type { ApiKey } from './model.js';
import type { Plan } from './plans.js';
import type { Admission, UsageLimiter } from './ports.js';
import type { RequestTraits } from './restrictions.js';
import type { WindowState } from './rolling-windows.js';

export type GateOutcome =
  | { ok: true; key: ApiKey; perKey: WindowState | undefined }
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

/** SPEC §3 checks 1–9, in order: authentication, then the plan's rate limits and the key's quotas. */
export class RequestGate {
  constructor(private readonly opts: RequestGateOptions) {}

  async check(token: string | undefined, request: RequestTraits): Promise<GateOutcome> {
    const auth = await this.opts.authenticator.authenticate(token, request);
    if (!auth.ok) return { ...auth, key: auth.key, perKey: undefined, retryAfterSeconds: undefined };
    const { key, plan } = auth;
    const admission = await this.opts.limiter.admit(key, {
      accountPerSecond: plan.accountPerSecond,
      accountPerMinute: plan.accountPerMinute,
      perKeyPerMinute: plan.perKeyPerMinute,
      quotas: key.quotas,
    });
    if (admission.ok) return { ok: true, key, perKey: admission.perKey };
    const refused = { ok: false as const, key, perKey: admission.perKey };
    return admission.code === 'RATE_LIMITED'
      ? { ...refused, code: 'RATE_LIMITED', message: RATE_LIMIT_MESSAGES[admission.limit](plan), retryAfterSeconds: admission.retryAfterSeconds }
      : { ...refused, code: 'QUOTA_EXCEEDED', message: `Rate limit exceeded: quota ${admission.quota}`, retryAfterSeconds: undefined };
  }
}

