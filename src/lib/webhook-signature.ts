import { createHmac } from 'node:crypto';

/**
 * SPEC §10's `Keygate-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA-256 of "<t>.<raw body>">`
 * under the endpoint's secret. The timestamp is signed so a captured delivery cannot be replayed later.
 */
export function webhookSignature(secret: string, unixSeconds: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${digest}`;
}
