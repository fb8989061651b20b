interface Waiting<T> {
  item: T;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit: `add` resolves once the item is durably written, so an answer sent after it
 * is never lost to a crash. Items that arrive while a batch is being written wait for the
 * next batch; one `write` call (one transaction) carries them all.
 */
export class GroupCommit<T> {
  private queue: Waiting<T>[] = [];
  private writing: Promise<void> | undefined;
  private inFlight = 0;

  constructor(
    private readonly write: (batch: T[]) => Promise<void>,
    private readonly maxBatch = 1000,
  ) {}

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      // The first item of a batch waits one turn of the event loop for its companions.
      if (!this.writing) this.writing = new Promise((start) => setImmediate(start)).then(() => this.drain());
    });
  }

  /** Items added and not yet written: queued or in the batch being written. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  /** Resolves when everything added so far is written (for shutdown). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight = batch.length;
      try {
        await this.write(batch.map((waiting) => waiting.item));
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      } finally {
        this.inFlight = 0;
      }
    }
    this.writing = undefined;
  }
}
