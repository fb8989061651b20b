import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { isoTime } from '../lib/utc-days.js';
import type { ApiKey, Millis, Site, WebhookEndpoint, WebhookEvent, WebhookEventType } from './model.js';
import type { WebhookStore } from './ports.js';

/** Why a key was revoked (SPEC §10's `data.reason` of `key.revoked`). */
export type RevocationReason = 'user' | 'api' | 'rotation' | 'leaked';

/**
 * How events show the key, site or endpoint they are about: as the APIs answer with them,
 * shapes the HTTP layer owns (http/views.ts); the composition root passes them in.
 */
export interface EventPayloads {
  apiKey(key: ApiKey): object;
  site(site: Site, eventsThisMonth: number): object;
  webhook(endpoint: WebhookEndpoint): object;
}

export interface WebhookEventsOptions {
  store: WebhookStore;
  clock: Clock;
  payloads: EventPayloads;
}

/**
 * Builds the events of SPEC §10 for the services that cause them. A service hands them to the
 * store write that makes the change, so both commit together, then calls `committed()` so that
 * this instance's dispatcher delivers at once instead of at its next poll. `data` holds the key
 * (`api_key`, as GET /api/v1/api-keys lists it) or the site (`site`, as GET /api/v1/sites shows
 * it), never a secret.
 */
export class WebhookEvents {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly opts: WebhookEventsOptions) {}

  event(accountId: string, type: WebhookEventType, data: Record<string, unknown>, at: Millis = this.opts.clock.now()): WebhookEvent {
    const id = newId('evt');
    const body = JSON.stringify({ id, type, created_at: isoTime(at), account_id: accountId, data });
    return { id, accountId, type, createdAt: at, body };
  }

  keyEvent(type: WebhookEventType, key: ApiKey, extra: Record<string, unknown> = {}, at?: Millis): WebhookEvent {
    return this.event(key.accountId, type, { api_key: this.keyData(key), ...extra }, at);
  }

  /** A key as events show it, for an event about another key too (a rotation's replacement). */
  keyData(key: ApiKey): object {
    return this.opts.payloads.apiKey(key);
  }

  siteEvent(type: 'site.created' | 'site.deleted', site: Site, eventsThisMonth: number): WebhookEvent {
    return this.event(site.accountId, type, { site: this.opts.payloads.site(site, eventsThisMonth) });
  }

  endpointEvent(type: 'webhook.test', endpoint: WebhookEndpoint): WebhookEvent {
    return this.event(endpoint.accountId, type, { webhook: this.opts.payloads.webhook(endpoint) });
  }

  /**
   * Commits events that go with no stored change (an IP block; a key reported leaked, whose
   * revocation committed on its own). Prefer passing events to the store write of the change.
   */
  async emit(events: readonly WebhookEvent[]): Promise<void> {
    await this.opts.store.emit(events);
    this.committed();
  }

  /** Tells this instance's dispatcher that events were just committed. */
  committed(): void {
    for (const listener of this.listeners) listener();
  }

  onCommitted(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
