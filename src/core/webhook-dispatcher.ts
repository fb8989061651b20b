import { randomBase62 } from '../lib/base62.js';
import type { Clock } from '../lib/clock.js';
import { DAY_MS } from '../lib/utc-days.js';
import { webhookSignature } from '../lib/webhook-signature.js';
import type { ClaimedDelivery, WebhookStore, WebhookTransport } from './ports.js';
import type { WebhookEvents } from './webhook-events.js';

/** SPEC §10: an endpoint that has failed every attempt for 3 days is disabled. */
export const DISABLE_FAILING_AFTER_MS = 3 * DAY_MS;
/** A claim outlives the attempt's timeout by this much; then an instance that died holding it leaves it to the others. */
const LEASE_MARGIN_MS = 5000;

export interface WebhookDispatcherOptions {
  store: WebhookStore;
  transport: WebhookTransport;
  webhookEvents: WebhookEvents;
  clock: Clock;
  /** Seconds before each retry; the attempt after the last entry is the last one. */
  retryScheduleSeconds: readonly number[];
  timeoutMs: number;
  onError(error: unknown): void;
  /** How often to look for due deliveries besides the wake-up after each local commit. */
  pollMs?: number;
  /** Attempts in flight at once on this instance, and per endpoint: one slow endpoint holds at most `perEndpoint` of them. */
  concurrency?: number;
  perEndpoint?: number;
  random?: () => number;
}

/**
 * Delivers the outbox (SPEC §10) from the server process, off the request path: claims due
 * deliveries with a lease, POSTs each signed, and records the outcome (retry with jittered
 * backoff, give up after the schedule, disable an endpoint failing for 3 days). Each attempt
 * runs on its own, so an endpoint that hangs delays nothing but its own deliveries.
 */
export class WebhookDispatcher {
  /** This instance's name on its claims. */
  private readonly owner = `dispatcher_${randomBase62(16)}`;
  private readonly inFlight = new Map<number, { abort: AbortController; done: Promise<void> }>();
  private readonly perEndpoint = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private claiming: Promise<void> | undefined;
  private claimAgain = false;
  private running = false;

  constructor(private readonly opts: WebhookDispatcherOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => this.wake(), this.opts.pollMs ?? 1000).unref();
    this.unsubscribe = this.opts.webhookEvents.onCommitted(() => this.wake());
    this.wake();
  }

  /** Stops claiming, gives back what is in flight untried (another instance, or the next start, retries it) and waits for that. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.timer);
    this.unsubscribe?.();
    await this.claiming;
    for (const { abort } of this.inFlight.values()) abort.abort();
    await Promise.all([...this.inFlight.values()].map(({ done }) => done));
  }

  private wake(): void {
    if (!this.running) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = this.claim()
      .catch((error: unknown) => this.opts.onError(error))
      .finally(() => {
        this.claiming = undefined;
        if (this.claimAgain) {
          this.claimAgain = false;
          this.wake();
        }
      });
  }

  private async claim(): Promise<void> {
    const { concurrency = 16, perEndpoint = 2, timeoutMs } = this.opts;
    const free = concurrency - this.inFlight.size;
    if (free <= 0) return;
    const now = this.opts.clock.now();
    const busy = [...this.perEndpoint].filter(([, count]) => count >= perEndpoint).map(([id]) => id);
    const claimed = await this.opts.store.claim({
      now,
      leaseUntil: now + timeoutMs + LEASE_MARGIN_MS,
      owner: this.owner,
      limit: free,
      perEndpoint,
      skipEndpoints: busy,
    });
    // A claim of ours that the clock ran past while its attempt was still going: not sent twice.
    for (const delivery of claimed) if (!this.inFlight.has(delivery.id)) this.send(delivery);
  }

  private send(delivery: ClaimedDelivery): void {
    const endpointId = delivery.endpoint.id;
    const abort = new AbortController();
    this.perEndpoint.set(endpointId, (this.perEndpoint.get(endpointId) ?? 0) + 1);
    const done = this.attempt(delivery, abort.signal)
      .catch((error: unknown) => this.opts.onError(error))
      .finally(() => {
        this.inFlight.delete(delivery.id);
        const left = (this.perEndpoint.get(endpointId) ?? 1) - 1;
        if (left > 0) this.perEndpoint.set(endpointId, left);
        else this.perEndpoint.delete(endpointId);
        this.wake();
      });
    this.inFlight.set(delivery.id, { abort, done });
  }

  private async attempt(delivery: ClaimedDelivery, stopping: AbortSignal): Promise<void> {
    const { event, endpoint } = delivery;
    const timestamp = Math.floor(this.opts.clock.now() / 1000);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Keygate-Webhooks/1',
      'keygate-event-id': event.id,
      'keygate-signature': webhookSignature(endpoint.secret, timestamp, event.body),
    };
    const signal = AbortSignal.any([stopping, AbortSignal.timeout(this.opts.timeoutMs)]);
    const result = await this.opts.transport.post(endpoint.url, headers, event.body, signal);
    if (stopping.aborted) return this.opts.store.release(delivery.id, this.owner);
    const delivered = result.status !== null && result.status >= 200 && result.status < 300;
    const now = this.opts.clock.now();
    const wait = this.opts.retryScheduleSeconds[delivery.attempt - 1];
    await this.opts.store.recordAttempt(
      {
        delivery,
        time: now,
        status: result.status,
        durationMs: result.durationMs,
        error: delivered ? null : (result.error ?? `HTTP ${result.status}`),
        delivered,
        retryAt: delivered || wait === undefined ? null : now + this.jittered(wait * 1000),
        disableIfFailingSince: now - DISABLE_FAILING_AFTER_MS,
      },
      this.owner,
    );
  }

  /** ±20 %, so that deliveries failed together (a receiver's outage) do not all come back together. */
  private jittered(ms: number): number {
    return Math.round(ms * (0.8 + 0.4 * (this.opts.random ?? Math.random)()));
  }
}
