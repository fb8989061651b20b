import { randomBase62 } from '../lib/base62.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Actor, AuditLog } from './audit.js';
import { decodeCursor, pageOf } from './cursor.js';
import { invalid, KeygateError } from './errors.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEndpoint } from './model.js';
import type { Store, WebhookTransport } from './ports.js';
import type { WebhookEvents } from './webhook-events.js';

/** How long the delivery log, finished deliveries and watcher notices are kept. */
const WEBHOOK_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** SPEC §10: an account has up to 10 endpoints. */
export const MAX_WEBHOOK_ENDPOINTS = 10;
const MAX_URL_LENGTH = 2048;
const MAX_DESCRIPTION_LENGTH = 200;
const CONTROL_CHARS = /[\p{Cc}\p{Cf}]/u;

export interface WebhookInput {
  url: string;
  /** The types wanted; absent or empty means all. */
  events?: readonly string[] | undefined;
  description?: string | undefined;
}

export interface WebhookChanges extends Partial<WebhookInput> {
  enabled?: boolean | undefined;
}

/** An endpoint as its creator (or whoever rolls its secret) receives it: the secret exactly once. */
export interface IssuedWebhook {
  endpoint: WebhookEndpoint;
  secret: string;
}

export interface WebhookServiceOptions {
  store: Store;
  audit: AuditLog;
  webhookEvents: WebhookEvents;
  transport: WebhookTransport;
  clock: Clock;
}

function newSecret(): string {
  return `whsec_${randomBase62(32)}`;
}

/** An http(s) URL without credentials; where it leads is the transport's to check. */
function checkUrl(input: string): string {
  const trimmed = input.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw invalid('url', 'must be an http:// or https:// URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('url', 'must be an http:// or https:// URL');
  if (url.username || url.password) throw invalid('url', 'must not carry a user name or password');
  if (url.href.length > MAX_URL_LENGTH) throw invalid('url', `must be at most ${MAX_URL_LENGTH} characters`);
  return url.href;
}

function checkEvents(events: readonly string[] | undefined): string[] {
  if (events === undefined || events.length === 0 || events.includes('*')) return ['*'];
  const unknown = events.find((type) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type));
  if (unknown !== undefined) throw invalid('events', `${JSON.stringify(unknown)} is not an event type (${WEBHOOK_EVENT_TYPES.join(', ')})`);
  return [...new Set(events)].sort();
}

function checkDescription(description: string | undefined): string {
  const trimmed = (description ?? '').trim();
  if (trimmed.length > MAX_DESCRIPTION_LENGTH) throw invalid('description', `must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
  if (CONTROL_CHARS.test(trimmed)) throw invalid('description', 'must not contain control characters');
  return trimmed;
}

/** Webhook endpoints of SPEC §10, their test events, delivery log and redelivery; every change is audited. */
export class WebhookService {
  constructor(private readonly opts: WebhookServiceOptions) {}

  async createEndpoint(accountId: string, input: WebhookInput, actor: Actor = 'operator'): Promise<IssuedWebhook> {
    const url = checkUrl(input.url);
    const endpoint: WebhookEndpoint = {
      id: newId('wh'),
      accountId,
      url,
      events: checkEvents(input.events),
      description: checkDescription(input.description),
      secret: newSecret(),
      enabled: true,
      disabledReason: null,
      failingSince: null,
      createdAt: this.opts.clock.now(),
    };
    await this.opts.transport.checkDestination(url);
    if ((await this.opts.store.webhooks.insertEndpointWithinLimit(endpoint, MAX_WEBHOOK_ENDPOINTS)) === 'PLAN_LIMIT') {
      throw new KeygateError('PLAN_LIMIT', `An account may have ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints; delete one to add another`);
    }
    await this.audit(actor, 'webhook.created', endpoint, { url: endpoint.url, events: endpoint.events });
    return { endpoint, secret: endpoint.secret };
  }

  listEndpoints(accountId: string): Promise<WebhookEndpoint[]> {
    return this.opts.store.webhooks.listEndpoints(accountId);
  }

  /** The endpoint, if `accountId` owns it ('operator': any); NOT_FOUND otherwise, whether it exists elsewhere or not. */
  async getEndpoint(endpointId: string, accountId: string | 'operator'): Promise<WebhookEndpoint> {
    const endpoint = await this.opts.store.webhooks.findEndpoint(endpointId);
    if (!endpoint || (accountId !== 'operator' && endpoint.accountId !== accountId)) throw new KeygateError('NOT_FOUND', 'Webhook endpoint not found');
    return endpoint;
  }

  async updateEndpoint(endpointId: string, accountId: string | 'operator', changes: WebhookChanges, actor: Actor = 'operator'): Promise<WebhookEndpoint> {
    const endpoint = await this.getEndpoint(endpointId, accountId);
    const updated = { ...endpoint };
    if (changes.url !== undefined) updated.url = checkUrl(changes.url);
    if (changes.events !== undefined) updated.events = checkEvents(changes.events);
    if (changes.description !== undefined) updated.description = checkDescription(changes.description);
    if (changes.enabled !== undefined) {
      updated.enabled = changes.enabled;
      updated.disabledReason = null;
    }
    if (updated.url !== endpoint.url) await this.opts.transport.checkDestination(updated.url);
    await this.opts.store.webhooks.updateEndpoint(updated);
    // Deliveries waiting for a re-enabled endpoint go out now.
    if (updated.enabled) this.opts.webhookEvents.committed();
    await this.audit(actor, 'webhook.updated', updated, { fields: Object.keys(changes) });
    return updated;
  }

  /** A new signing secret, effective for the next attempt of every delivery. */
  async rollSecret(endpointId: string, accountId: string | 'operator', actor: Actor = 'operator'): Promise<IssuedWebhook> {
    const endpoint = { ...(await this.getEndpoint(endpointId, accountId)), secret: newSecret() };
    await this.opts.store.webhooks.updateEndpoint(endpoint);
    await this.audit(actor, 'webhook.secret_rolled', endpoint);
    return { endpoint, secret: endpoint.secret };
  }

  async deleteEndpoint(endpointId: string, accountId: string | 'operator', actor: Actor = 'operator'): Promise<WebhookEndpoint> {
    const endpoint = await this.getEndpoint(endpointId, accountId);
    await this.opts.store.webhooks.deleteEndpoint(endpoint.id);
    await this.audit(actor, 'webhook.deleted', endpoint, { url: endpoint.url });
    return endpoint;
  }

  /** Queues a `webhook.test` event for this endpoint alone, whatever types it wants. */
  async sendTest(endpointId: string, accountId: string): Promise<string> {
    const endpoint = await this.getEndpoint(endpointId, accountId);
    if (!endpoint.enabled) throw invalid('webhook', 'is disabled; enable it to send a test event');
    const event = this.opts.webhookEvents.endpointEvent('webhook.test', endpoint);
    await this.opts.store.webhooks.emit([event], endpoint.id);
    this.opts.webhookEvents.committed();
    return event.id;
  }

  /** One page of the endpoint's attempts, newest first. */
  async attempts(endpointId: string, accountId: string | 'operator', cursor: string | undefined, limit: number) {
    const endpoint = await this.getEndpoint(endpointId, accountId);
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const { rows, nextCursor } = pageOf(await this.opts.store.webhooks.attempts(endpoint.id, after, limit + 1), limit);
    return { deliveries: rows, nextCursor };
  }

  /** Sends a delivery's event to its endpoint again, as a new delivery with the same event id. */
  async redeliver(endpointId: string, accountId: string, deliveryId: number): Promise<number> {
    const endpoint = await this.getEndpoint(endpointId, accountId);
    const queued = await this.opts.store.webhooks.redeliver(endpoint.id, deliveryId, this.opts.clock.now());
    if (queued === undefined) throw new KeygateError('NOT_FOUND', 'Delivery not found');
    this.opts.webhookEvents.committed();
    return queued;
  }

  /** Forgets what is past the retention; returns how many attempts of the delivery log went. */
  prune(): Promise<number> {
    return this.opts.store.webhooks.prune(this.opts.clock.now() - WEBHOOK_RETENTION_MS);
  }

  private audit(
    actor: Actor,
    action: 'webhook.created' | 'webhook.updated' | 'webhook.secret_rolled' | 'webhook.deleted',
    endpoint: WebhookEndpoint,
    details?: Record<string, unknown>,
  ) {
    return this.opts.audit.record(endpoint.accountId, actor, action, { type: 'webhook', id: endpoint.id, name: endpoint.url }, details);
  }
}
