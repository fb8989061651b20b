import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store, TrackedEvent } from '../../core/ports.js';
import { DAY_MS, dayOf } from '../../lib/utc-days.js';
import { openSqliteStore } from '../sqlite/sqlite-store.js';

const NOW = Date.UTC(2026, 0, 15, 12);
const TODAY = { from: dayOf(NOW), to: dayOf(NOW) };

let store: Store;
beforeEach(async () => {
  store = await openSqliteStore(':memory:');
  await store.accounts.create({ id: 'acct_a', plan: 'free', createdAt: 0 }, { id: 'user_a', accountId: 'acct_a', email: 'a@example.com', passwordHash: 'x', createdAt: 0 });
  await store.sites.insertWithinLimit({ id: 'site_a', accountId: 'acct_a', domain: 'a.example.com', siteKey: 'ak_a', createdAt: 0 }, null);
});
afterEach(() => store.close());

function event(time: number, changes: Partial<TrackedEvent> = {}): TrackedEvent {
  return { siteId: 'site_a', time, url: 'https://a.example.com/', path: '/', referrer: null, referrerHost: null, userAgent: 'curl/8', bot: 'curl', ...changes };
}

describe('SqlEventStore', () => {
  it('adds a batch to the rollups, however its events fall across days and values', async () => {
    await store.events.append([event(NOW), event(NOW, { bot: null, path: '/a', referrerHost: 'r.example' }), event(NOW - DAY_MS)]);
    await store.events.append([event(NOW, { bot: null, path: '/a' })]);
    expect(await store.events.dailyCounts('site_a', { from: dayOf(NOW) - 1, to: dayOf(NOW) })).toEqual([
      { day: dayOf(NOW) - 1, humans: 0, bots: 1 },
      { day: dayOf(NOW), humans: 2, bots: 1 },
    ]);
    expect(await store.events.top('site_a', 'path', TODAY, 10)).toEqual([
      { value: '/a', events: 2 },
      { value: '/', events: 1 },
    ]);
    expect(await store.events.top('site_a', 'referrer', TODAY, 10)).toEqual([{ value: 'r.example', events: 1 }]);
    expect(await store.events.countsByAccount('acct_a', TODAY)).toEqual(new Map([['site_a', 3]]));
  });

  it('prunes raw events before a time and keeps the rollups', async () => {
    await store.events.append([event(NOW - 40 * DAY_MS), event(NOW - 40 * DAY_MS), event(NOW)]);
    expect(await store.events.prune(NOW - 30 * DAY_MS)).toBe(2);
    expect(await store.events.prune(NOW - 30 * DAY_MS)).toBe(0);
    const old = dayOf(NOW - 40 * DAY_MS);
    expect(await store.events.dailyCounts('site_a', { from: old, to: old })).toEqual([{ day: old, humans: 0, bots: 2 }]);
  });

  it('deletes a site\'s events and rollups with the site', async () => {
    await store.events.append([event(NOW)]);
    await store.sites.delete('site_a');
    expect(await store.events.dailyCounts('site_a', TODAY)).toEqual([]);
    expect(await store.events.top('site_a', 'bot', TODAY, 10)).toEqual([]);
    expect(await store.events.prune(NOW + 1)).toBe(0);
  });
});
