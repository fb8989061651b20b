/** Which lane a task waits in: every waiting `high` task starts before any `low` one. */
export type Priority = 'high' | 'low';

/** Refused because the task's lane already holds as many waiting tasks as it may. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/**
 * Runs at most `concurrency` tasks at a time; the others wait in two FIFO lanes, `high`
 * first. A lane holding `maxWaiting` tasks refuses the next with QueueFullError, so a flood
 * is answered at once instead of piling up.
 */
export class TaskQueue {
  private active = 0;
  private readonly lanes: Record<Priority, Array<() => void>> = { high: [], low: [] };

  constructor(private readonly options: { concurrency: number; maxWaiting: number }) {}

  /** Tasks running now. */
  get running(): number {
    return this.active;
  }

  waiting(priority: Priority): number {
    return this.lanes[priority].length;
  }

  async run<T>(task: () => Promise<T>, priority: Priority): Promise<T> {
    if (this.active < this.options.concurrency) {
      this.active++;
    } else {
      const lane = this.lanes[priority];
      if (lane.length >= this.options.maxWaiting) throw new QueueFullError(`${lane.length} ${priority}-priority tasks are waiting already`);
      // The finishing task hands its slot over: `active` stays as it is.
      await new Promise<void>((start) => lane.push(start));
    }
    try {
      return await task();
    } finally {
      const next = this.lanes.high.shift() ?? this.lanes.low.shift();
      if (next) next();
      else this.active--;
    }
  }
}
