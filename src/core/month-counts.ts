import type { Clock } from '../lib/clock.js';
import { DAY_MS, monthOf } from '../lib/utc-days.js';
import type { Millis } from './model.js';
import type { EventStore } from './ports.js';

/** How stale the counts of events committed elsewhere (the CLI, another instance) may be. */
export const MONTH_COUNTS_FRESHNESS_MS = 1000;
const MAX_ACCOUNTS = 50_000;

interface AccountCounts {
  /** The month counted, as epoch milliseconds: its first and the next month's first. */
  from: Millis;
  to: Millis;
  /** When to read storage again: a second after reading it, or when the month ends. */
  freshUntil: Millis;
  bySite: Map<string, number>;
}

/** A committed event, as far as counting goes. */
export interface CountedEvent {
  accountId: string;
  siteId: string;
  time: Millis;
}

/**
 * SPEC §5's events_this_month of each site, held in memory so that reading it costs no query:
 * exact for the events this process commits (added as each batch commits), and read again
 * from storage at most once a second for events committed elsewhere.
 *
 * Commits and reloads take turns (`commit` runs the write itself), so a reload never reads a
 * batch that is then added a second time, nor misses one that committed while it ran.
 */
export class MonthlyEventCounts {
  private readonly accounts = new Map<string, AccountCounts>();
  private readonly loading = new Map<string, Promise<AccountCounts>>();
  /** The tail of the chain of commits and reloads, each waiting for the one before. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly events: EventStore,
    private readonly clock: Clock,
  ) {}

  /** The counts of the account's sites this month; sites without events are absent. */
  async get(accountId: string): Promise<ReadonlyMap<string, number>> {
    const now = this.clock.now();
    const cached = this.accounts.get(accountId);
    if (cached && now < cached.freshUntil && now >= cached.from) return cached.bySite;
    return (await this.reload(accountId)).bySite;
  }

  /** Runs `write` (the batch's commit) in turn with reloads, then counts the batch. */
  commit<T extends CountedEvent>(batch: readonly T[], write: (batch: readonly T[]) => Promise<void>): Promise<void> {
    return this.inTurn(async () => {
      await write(batch);
      for (const event of batch) {
        const counts = this.accounts.get(event.accountId);
        if (!counts || event.time < counts.from || event.time >= counts.to) continue;
        counts.bySite.set(event.siteId, (counts.bySite.get(event.siteId) ?? 0) + 1);
      }
    });
  }

  private reload(accountId: string): Promise<AccountCounts> {
    let loading = this.loading.get(accountId);
    if (!loading) {
      loading = this.inTurn(async () => {
        const now = this.clock.now();
        const month = monthOf(now);
        const [from, to] = [month.from * DAY_MS, (month.to + 1) * DAY_MS];
        const bySite = await this.events.countsByAccount(accountId, month);
        const counts = { from, to, freshUntil: Math.min(now + MONTH_COUNTS_FRESHNESS_MS, to), bySite };
        if (this.accounts.size >= MAX_ACCOUNTS) this.accounts.clear();
        this.accounts.set(accountId, counts);
        return counts;
      }).finally(() => this.loading.delete(accountId));
      this.loading.set(accountId, loading);
    }
    return loading;
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work);
    this.turn = result.catch(() => undefined);
    return result;
  }
}
