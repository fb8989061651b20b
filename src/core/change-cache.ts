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

  /**
   * The record of `id`, current as of `version` (the signal's version, read by the caller
   * when it has just read it for another cache in the same request, else read here).
   */
  async get(id: string, load: () => Promise<V | undefined>, version?: string): Promise<V | undefined> {
    const current = version ?? (await this.changes.version());
    if (current !== this.version || this.entries.size >= this.maxEntries) {
      this.entries.clear();
      this.version = current;
    }
    const hit = this.entries.get(id);
    if (hit !== undefined) return hit;
    const value = await load();
    // Kept only if no newer version was seen meanwhile: the record may predate that change.
    if (value !== undefined && this.version === current) this.entries.set(id, value);
    return value;
  }

  /**
   * The record of `id` as cached, without asking whether the signal moved: for callers that
   * confirm `version` is still current in the same atomic step as their next action.
   */
  peek(id: string): { value: V; version: string } | undefined {
    const value = this.entries.get(id);
    return value === undefined || this.version === undefined ? undefined : { value, version: this.version };
  }
}
