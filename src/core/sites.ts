import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { monthOf } from '../lib/utc-days.js';
import type { AccountService } from './accounts.js';
import type { Actor, AuditLog } from './audit.js';
import { ChangeCache } from './change-cache.js';
import { invalid, KeygateError } from './errors.js';
import type { Site } from './model.js';
import type { Store } from './ports.js';
import type { WebhookEvents } from './webhook-events.js';

const MAX_CACHED_ACCOUNTS = 50_000;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Accepts what people paste (`https://Shop.Example.com/pricing`, `shop.example.com.`) and
 * returns the bare host name in lower case, without scheme, port, path or trailing dot, or
 * throws VALIDATION_ERROR: a registrable-looking name with a dot and an alphabetic TLD.
 */
export function normalizeDomain(input: string): string {
  const text = input.trim();
  const refused = invalid('domain', 'must be a domain name such as example.com');
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw refused;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') throw refused;
  const host = url.hostname.replace(/\.$/, '');
  const labels = host.split('.');
  const tld = labels.at(-1) ?? '';
  if (host.length > 253 || labels.length < 2 || !labels.every((label) => LABEL.test(label)) || !/^(?:[a-z]{2,63}|xn--[a-z0-9-]+)$/.test(tld)) throw refused;
  return host;
}

export interface SiteServiceOptions {
  store: Store;
  accounts: AccountService;
  audit: AuditLog;
  webhookEvents: WebhookEvents;
  clock: Clock;
}

export class SiteService {
  /** Each account's sites, read by every GET /api/v1/sites: creating or deleting a site announces a change. */
  private readonly byAccount: ChangeCache<readonly Site[]>;

  constructor(private readonly opts: SiteServiceOptions) {
    this.byAccount = new ChangeCache(opts.store.keyChanges, MAX_CACHED_ACCOUNTS);
  }

  async createSite(accountId: string, domain: string, actor: Actor = 'operator'): Promise<Site> {
    const plan = await this.opts.accounts.planOf(accountId);
    const site: Site = { id: newId('site'), accountId, domain: normalizeDomain(domain), siteKey: newId('ak'), createdAt: this.opts.clock.now() };
    const outcome = await this.opts.store.sites.insertWithinLimit(site, plan.maxSites, [this.opts.webhookEvents.siteEvent('site.created', site, 0)]);
    if (outcome === 'DOMAIN_TAKEN') throw invalid('domain', `${site.domain} is already one of your sites`);
    if (outcome === 'PLAN_LIMIT') {
      throw new KeygateError('PLAN_LIMIT', `The ${plan.name} plan allows ${plan.maxSites} sites; delete one or upgrade the plan to add more`);
    }
    await this.opts.store.keyChanges.announce();
    this.opts.webhookEvents.committed();
    await this.audit(actor, 'site.created', site);
    return site;
  }

  /** The account's sites, oldest first; `keysVersion` is the change signal's version if the caller has just read it. */
  async listSites(accountId: string, keysVersion?: string): Promise<readonly Site[]> {
    return (await this.byAccount.get(accountId, () => this.opts.store.sites.listByAccount(accountId), keysVersion)) ?? [];
  }

  /** The account's site, or NOT_FOUND whether the id exists elsewhere or not at all. */
  async getSite(accountId: string, siteId: string): Promise<Site> {
    const site = await this.opts.store.sites.find(siteId);
    if (!site || site.accountId !== accountId) throw new KeygateError('NOT_FOUND', 'Site not found', { missing: 'site' });
    return site;
  }

  async deleteSite(accountId: string, siteId: string, actor: Actor = 'operator'): Promise<Site> {
    const site = await this.getSite(accountId, siteId);
    const events = (await this.opts.store.events.countsByAccount(accountId, monthOf(this.opts.clock.now()))).get(site.id) ?? 0;
    await this.opts.store.sites.delete(site.id, [this.opts.webhookEvents.siteEvent('site.deleted', site, events)]);
    this.opts.webhookEvents.committed();
    // Sites are cached by key for tracking and by account for listing: the next hit for this one
    // must be refused and the next listing must leave it out, on every instance.
    await this.opts.store.keyChanges.announce();
    await this.audit(actor, 'site.deleted', site);
    return site;
  }

  private audit(actor: Actor, action: 'site.created' | 'site.deleted', site: Site): Promise<void> {
    return this.opts.audit.record(site.accountId, actor, action, { type: 'site', id: site.id, name: site.domain });
  }
}
