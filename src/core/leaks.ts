import { hashApiKey } from '../lib/key-format.js';
import type { ApiKeyService } from './api-keys.js';
import { KeygateError } from './errors.js';
import { httpUrl } from './events.js';
import type { ApiKey, LeakSource } from './model.js';
import type { Logger, ReportLimiter, Store } from './ports.js';

/** A string someone found in public and says is one of our keys. */
export interface LeakReport {
  token: string;
  source: LeakSource;
  /** Where it was found; null when the report gives none. */
  url: string | null;
}

/** One entry of the answer to a secret scanner (SPEC §9). */
export interface ScanLabel {
  token_hash: string;
  token_type: string;
  label: 'true_positive' | 'false_positive';
}

export interface LeakServiceOptions {
  store: Store;
  keys: ApiKeyService;
  reportLimiter: ReportLimiter;
  logger: Logger;
}

/**
 * Keys found leaked (SPEC §9): reports from the code hosts' secret scanners and from anyone
 * through the public endpoint all end in `reportLeak`.
 */
export class LeakService {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly opts: LeakServiceOptions) {}

  /**
   * The one place a key found leaked is handled: if the token is a key of this server that is
   * not yet revoked, it is revoked at once on every instance, with the audit entry `key.revoked`
   * (`reason: leaked`, the source and URL), the `key.leaked` and `key.revoked` webhooks and the
   * dashboard's flag. Returns the key if the
   * token is ours (in any state), and whether this report revoked it.
   */
  async reportLeak({ token, source, url }: LeakReport): Promise<{ key: ApiKey; revoked: boolean } | undefined> {
    const key = await this.opts.store.keys.findByHash(hashApiKey(token));
    if (!key) return undefined;
    const revoked = await this.opts.keys.revokeLeakedKey(key, { source, url });
    return { key, revoked };
  }

  /** A scanner's batch, each token reported in turn: labelled true_positive when it is a key of this server. */
  async labelScanned(source: Exclude<LeakSource, 'report'>, tokens: ReadonlyArray<{ token: string; type: string; url: string | null }>): Promise<ScanLabel[]> {
    const labels: ScanLabel[] = [];
    for (const { token, type, url } of tokens) {
      const found = await this.reportLeak({ token, source, url });
      labels.push({ token_hash: hashApiKey(token), token_type: type, label: found ? 'true_positive' : 'false_positive' });
    }
    return labels;
  }

  /** Counts a public report against its client IP: RATE_LIMITED past the limit. */
  async admitReporter(ip: string): Promise<void> {
    if (!(await this.opts.reportLimiter.admit(ip)))
      throw new KeygateError('RATE_LIMITED', 'Too many leak reports from this IP; try again in a minute', { retryAfterSeconds: 60 });
  }

  /**
   * A report through the public endpoint. It is handled after the caller has answered, so the
   * answer and its timing are the same whatever the token is: ours, revoked or garbage. Only a
   * `url` that is not http(s) is refused (VALIDATION_ERROR), whatever the token.
   */
  receiveReport(token: string, url: string | null): void {
    if (url !== null) httpUrl('url', url);
    // Started once the answer is on its way, so nothing of the lookup shows in its timing.
    const work: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.reportLeak({ token, source: 'report', url }))
      .then(
        () => undefined,
        (error: unknown) => this.opts.logger.error({ err: error }, 'a leak report could not be handled'),
      )
      .finally(() => this.pending.delete(work));
    this.pending.add(work);
  }

  /** Resolves once every report received so far is handled (shutdown, tests). */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
  }
}
