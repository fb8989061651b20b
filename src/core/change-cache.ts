import type { KeyChangeSignal } from './ports.js';

/**
 * Records read from storage, kept until the store's change signal moves (a write announced
 * here, by another process on the same SQLite file, or by another instance), so a revoked key
 * or a deleted site is refused by the very next request. Misses are not kept: a record created
 * elsewhere is found at once.
 */
export class ChangeCache<V> {
  private readonly entries = new Map<string, V>();
  private version: string | undefined;

  constructor(
    private readonly changes: KeyChangeSignal,
    private readonly maxEntries: number,
  ) {}

  async get(id: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const version = await this.changes.version();
    if (version !== this.version || this.entries.size >= this.maxEntries) {
      this.entries.clear();
      this.version = version;
    }
    const hit = this.entries.get(id);
    if (hit !== undefined) return hit;
    const value = await load();
    if (value !== undefined) this.entries.set(id, value);
    return value;
  }
}
