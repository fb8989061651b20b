/**
 * A map holding at most `capacity` entries, each operation O(1): entries live in two
 * generations of up to half the capacity; when the current one is full it becomes the
 * previous and the previous is dropped whole. An entry read or written since the previous
 * turnover is kept, so the latest `capacity / 2` keys touched are always there. (Evicting
 * a Map's first key one at a time is not O(1): V8 skips the deleted slots before it.)
 */
export class GenerationalMap<V> {
  private current = new Map<string, V>();
  private previous = new Map<string, V>();
  private readonly generationSize: number;

  constructor(capacity: number) {
    this.generationSize = Math.max(1, Math.floor(capacity / 2));
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** The entry, moved into the current generation if it was in the previous one. */
  get(key: string): V | undefined {
    const value = this.current.get(key);
    if (value !== undefined || !this.previous.has(key)) return value;
    const kept = this.previous.get(key)!;
    this.previous.delete(key);
    this.set(key, kept);
    return kept;
  }

  set(key: string, value: V): void {
    if (!this.current.has(key)) {
      this.previous.delete(key);
      if (this.current.size >= this.generationSize) {
        this.previous = this.current;
        this.current = new Map();
      }
    }
    this.current.set(key, value);
  }

  delete(key: string): void {
    this.current.delete(key);
    this.previous.delete(key);
  }
}
