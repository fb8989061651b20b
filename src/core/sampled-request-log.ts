import type { Clock } from '../lib/clock.js';
import type { GroupCommit } from './group-commit.js';
import type { RequestLogEntry } from './ports.js';
import { MINUTE_MS } from './rolling-windows.js';

/** Refused requests logged row by row per key, error code and UTC minute; past it they are summed. */
export const LOGGED_REFUSALS_PER_MINUTE = 10;
/** How often summaries of ended minutes are written when no later refusal writes them first. */
const SUMMARY_EVERY_MS = 10_000;

interface Minute {
  minute: number;
  logged: number;
  /** The first refusal past the limit, its `requests` counting every one since. */
  summary: RequestLogEntry | undefined;
}

/**
 * The request log in front of its group commit. Accepted requests are all written; refused
 * ones (a deactivated, expired, restricted, rate-limited or over-quota key, or a revoked one)
 * only the first LOGGED_REFUSALS_PER_MINUTE per key, code and minute: the rest of that minute
 * become one row, the first of them, whose `requests` says how many it stands for. A key that
 * sits in public browser code cannot make its owner's log grow without bound. Refusals consume
 * no limit or quota, so sampling them changes none.
 */
export class SampledRequestLog {
  private readonly minutes = new Map<string, Minute>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly writer: GroupCommit<RequestLogEntry>,
    clock: Clock,
    private readonly perMinute = LOGGED_REFUSALS_PER_MINUTE,
  ) {
    // Best effort: a summary that cannot be written now is lost, not retried (its requests were answered).
    this.timer = setInterval(() => void this.writeEnded(clock.now()).catch(() => undefined), SUMMARY_EVERY_MS).unref();
  }

  /** Resolves once the entry is committed, or at once when it is only counted into its minute's summary. */
  async add(entry: RequestLogEntry): Promise<void> {
    if (entry.accepted) return this.writer.add(entry);
    const id = `${entry.keyId}\n${entry.errorCode}`;
    const minute = Math.floor(entry.time / MINUTE_MS);
    const counted = this.minutes.get(id);
    if (!counted || counted.minute !== minute) {
      this.minutes.set(id, { minute, logged: 1, summary: undefined });
      if (counted?.summary) void this.writer.add(counted.summary).catch(() => undefined);
      return this.writer.add(entry);
    }
    if (counted.logged < this.perMinute) {
      counted.logged++;
      return this.writer.add(entry);
    }
    if (counted.summary) counted.summary.requests++;
    else counted.summary = { ...entry };
  }

  /** Writes the summaries of minutes before the one of `now`, and forgets those minutes. */
  writeEnded(now: number): Promise<void> {
    const current = Math.floor(now / MINUTE_MS);
    const summaries: Array<Promise<void>> = [];
    for (const [id, counted] of this.minutes) {
      if (counted.minute >= current) continue;
      this.minutes.delete(id);
      if (counted.summary) summaries.push(this.writer.add(counted.summary));
    }
    return Promise.all(summaries).then(() => undefined);
  }

  /** Writes every pending summary, the current minute's included (for shutdown). */
  close(): Promise<void> {
    clearInterval(this.timer);
    return this.writeEnded(Infinity);
  }
}
