import type { Site } from '../core/model.js';
import type { Services } from '../core/services.js';
import type { SiteView } from './responses.js';
import { siteView } from './views.js';

type SiteReads = Pick<Services, 'sites' | 'events'>;

/** Sites as every API shows them: each with its events this month, counted alongside the sites' read. */
async function withEventsThisMonth(services: SiteReads, accountId: string, sites: Promise<readonly Site[]>): Promise<SiteView[]> {
  const [read, events] = await Promise.all([sites, services.events.eventsThisMonth(accountId)]);
  return read.map((site) => siteView(site, events.get(site.id) ?? 0));
}

/** The account's sites, oldest first; `keysVersion` is the change signal's version if the caller has just read it. */
export function siteViewsOf(services: SiteReads, accountId: string, keysVersion?: string): Promise<SiteView[]> {
  return withEventsThisMonth(services, accountId, services.sites.listSites(accountId, keysVersion));
}

/** One site of the account, or NOT_FOUND whether the id exists elsewhere or not at all. */
export async function siteViewOf(services: SiteReads, accountId: string, siteId: string): Promise<SiteView> {
  const [site] = await withEventsThisMonth(
    services,
    accountId,
    services.sites.getSite(accountId, siteId).then((found) => [found]),
  );
  return site!;
}
