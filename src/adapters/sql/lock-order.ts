/**
 * A map's entries sorted by key. Batches that upsert shared rows (usage counters, rollups)
 * write them in this order, so that two batches committing together on PostgreSQL wait for
 * each other's row locks instead of deadlocking.
 */
export function inLockOrder<K extends string | number, V>(map: ReadonlyMap<K, V>): Array<[K, V]> {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
