import type { Clock } from '../lib/clock.js';
import { isId } from '../lib/ids.js';
import { truncateText } from '../lib/text.js';
import { DAY_MS, dayOf, dayOfDate } from '../lib/utc-days.js';
import { botName } from './bots.js';
import { ChangeCache } from './change-cache.js';
import { invalid, KeygateError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import type { DayCount, Site, SiteStats } from './model.js';
import { type CountedEvent, MonthlyEventCounts } from './month-counts.js';
import type { CollectLimiter, CollectLimits, Store, TrackedEvent } from './ports.js';
import type { SiteService } from './sites.js';

/** Longest `url` and `referrer` stored: longer ones are cut to it, not refused (SPEC §6). */
export const MAX_URL_LENGTH = 2048;
/** Raw events are kept this long for inspection; counts and stats read the rollups, kept for good. */
const RAW_EVENT_RETENTION_DAYS = 30;
/** SPEC §5: default range and longest span of the stats, in days. */
const DEFAULT_STATS_DAYS = 30;
const MAX_STATS_DAYS = 366;
const TOP_LIMIT = 10;
/** The site's host and its www. twin: what leaving out self-referrals may drop from the top. */
const SELF_HOSTS = 2;
const MAX_USER_AGENT = 512;
const MAX_CACHED_SITES = 50_000;

/** A hit as the tracking script sends it (SPEC §6). */
export interface Hit {
  site: string;
  url: string;
  referrer?: string | undefined;
}

/** What the server knows of a hit's sender. */
export interface HitSender {
  ip: string;
  userAgent: string | undefined;
}

/** An http(s) URL, or VALIDATION_ERROR naming `field`. */
export function httpUrl(field: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(field, 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(field, 'must be an http(s) URL');
  return url;
}

function day(field: string, text: string): number {
  const parsed = dayOfDate(text);
  if (parsed === undefined) throw invalid(field, 'must be a date YYYY-MM-DD');
  return parsed;
}

export interface EventServiceOptions {
  store: Store;
  sites: SiteService;
  limiter: CollectLimiter;
  limits: CollectLimits;
  clock: Clock;
}

/** A hit to commit, with the account it counts for. */
type AccountEvent = TrackedEvent & CountedEvent;

/** Tracking (SPEC §6): taking hits in, counting them, and the stats of §5. */
export class EventService {
  /** A hit is answered only once committed, like a request log row; one transaction per batch. */
  private readonly writer: GroupCommit<AccountEvent>;
  /** Sites by site key: every hit names one, and a deleted site announces a change. */
  private readonly sites: ChangeCache<Site>;
  private readonly monthCounts: MonthlyEventCounts;

  constructor(private readonly opts: EventServiceOptions) {
    this.monthCounts = new MonthlyEventCounts(opts.store.events, opts.clock);
    this.writer = new GroupCommit((batch) => this.monthCounts.commit(batch, (events) => opts.store.events.append(events)));
    this.sites = new ChangeCache(opts.store.keyChanges, MAX_CACHED_SITES);
  }

  /** Validates, rate-limits, classifies and commits one hit. */
  async collect(hit: Hit, sender: HitSender): Promise<void> {
    if (!isId('ak', hit.site)) throw invalid('site', 'must be a site key: ak_ and 24 letters or digits');
    const url = httpUrl('url', hit.url);
    const referrer = hit.referrer ? httpUrl('referrer', hit.referrer) : undefined;
    // Limits before the lookup: a flood of made-up site keys is refused by the IP limit, not answered from storage.
    const { limits } = this.opts;
    const admission = await this.opts.limiter.admit(hit.site, sender.ip, limits);
    // Both limits are per second: a slot frees within one.
    if (admission === 'site')
      throw new KeygateError('RATE_LIMITED', `Too many events: this site key is limited to ${limits.sitePerSecond} per second`, { retryAfterSeconds: 1 });
    if (admission === 'ip')
      throw new KeygateError('RATE_LIMITED', `Too many events: each client IP is limited to ${limits.ipPerSecond} per second`, { retryAfterSeconds: 1 });
    const site = await this.sites.get(hit.site, () => this.opts.store.sites.findByKey(hit.site));
    if (!site) throw new KeygateError('INVALID_SITE_KEY', 'Invalid site key');
    await this.writer.add({
      accountId: site.accountId,
      siteId: site.id,
      time: this.opts.clock.now(),
      url: truncateText(hit.url, MAX_URL_LENGTH),
      path: truncateText(url.pathname, MAX_URL_LENGTH),
      referrer: hit.referrer ? truncateText(hit.referrer, MAX_URL_LENGTH) : null,
      referrerHost: referrer?.hostname || null,
      userAgent: sender.userAgent?.slice(0, MAX_USER_AGENT) || null,
      bot: botName(sender.userAgent),
    });
  }

  /**
   * SPEC §5's events_this_month of each of the account's sites (the current calendar month in
   * UTC): exact for this process's hits, at most a second behind for hits taken elsewhere.
   */
  eventsThisMonth(accountId: string): Promise<ReadonlyMap<string, number>> {
    return this.monthCounts.get(accountId);
  }

  /**
   * The stats of one of the account's sites over `from`..`to` (YYYY-MM-DD, UTC, inclusive).
   * `to` defaults to today and `from` to 29 days before `to`.
   */
  /**
   * `withoutSelfReferrals` leaves the site's own host (and its www. twin) out of the top
   * referrers: navigation inside the site is not a referral (the dashboard asks for it).
   */
  async stats(
    accountId: string,
    siteId: string,
    range: { from?: string | undefined; to?: string | undefined },
    { withoutSelfReferrals = false } = {},
  ): Promise<SiteStats> {
    const to = range.to === undefined ? dayOf(this.opts.clock.now()) : day('to', range.to);
    const from = range.from === undefined ? to - (DEFAULT_STATS_DAYS - 1) : day('from', range.from);
    if (to < from) throw invalid('to', 'must not be before from');
    if (to - from + 1 > MAX_STATS_DAYS) throw invalid('from', `the range may span at most ${MAX_STATS_DAYS} days`);
    const site = await this.opts.sites.getSite(accountId, siteId);
    const days = { from, to };
    const events = this.opts.store.events;
    const [counted, topBots, topPaths, topReferrers] = await Promise.all([
      events.dailyCounts(site.id, days),
      events.top(site.id, 'bot', days, TOP_LIMIT),
      events.top(site.id, 'path', days, TOP_LIMIT),
      events.top(site.id, 'referrer', days, TOP_LIMIT + (withoutSelfReferrals ? SELF_HOSTS : 0)),
    ]);
    const own = new Set([site.domain, `www.${site.domain.replace(/^www\./, '')}`, site.domain.replace(/^www\./, '')]);
    const referrers = withoutSelfReferrals ? topReferrers.filter((row) => !own.has(row.value)).slice(0, TOP_LIMIT) : topReferrers;
    const byDay = new Map(counted.map((count) => [count.day, count]));
    const daily: DayCount[] = [];
    for (let d = from; d <= to; d++) daily.push(byDay.get(d) ?? { day: d, humans: 0, bots: 0 });
    return { siteId: site.id, days, daily, topBots, topPaths, topReferrers: referrers };
  }

  /** Deletes raw events past their retention; returns how many. */
  prune(): Promise<number> {
    return this.opts.store.events.prune(this.opts.clock.now() - RAW_EVENT_RETENTION_DAYS * DAY_MS);
  }

  /** Events accepted and not yet committed. */
  get pendingWrites(): number {
    return this.writer.pending;
  }

  /** Resolves when every accepted hit is committed (for shutdown). */
  flush(): Promise<void> {
    return this.writer.flush();
  }
}
