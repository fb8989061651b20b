import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import type { Millis } from './model.js';
import type { Logger, PublicKeySource } from './ports.js';

/** How often, at most, an unknown key identifier makes the keys document be fetched again (SPEC §9). */
export const REFETCH_INTERVAL_MS = 60_000;
/** Strict base64: Buffer.from would skip what is not, and read a valid signature out of a longer header. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface ScannerKeyringOptions {
  /** The code host, for the log: `github`, `gitlab`. */
  name: string;
  source: PublicKeySource;
  clock: Clock;
  logger: Logger;
}

/**
 * The public keys a code host signs its secret-scanning reports with: fetched on first use,
 * cached, and fetched again (at most once a minute) when a report names an identifier not in
 * the cache, as after the host rotates its keys. A fetch that fails is logged and leaves the
 * cache as it was; a report it cannot verify is refused.
 */
export class ScannerKeyring {
  private keys = new Map<string, KeyObject>();
  private fetchedAt: Millis | undefined;
  private fetching: Promise<void> | undefined;

  constructor(private readonly opts: ScannerKeyringOptions) {}

  /**
   * True if `signature` (base64 of an ASN.1 DER ECDSA signature) is the key `identifier`'s
   * signature of exactly these body bytes with SHA-256.
   */
  async verify(identifier: string | undefined, signature: string | undefined, body: Buffer): Promise<boolean> {
    if (!identifier || !signature || !BASE64.test(signature)) return false;
    if (!this.keys.has(identifier)) await this.refetch();
    const key = this.keys.get(identifier);
    if (!key) return false;
    try {
      return verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
    } catch {
      return false; // a key of a type that cannot check this signature
    }
  }

  private async refetch(): Promise<void> {
    const now = this.opts.clock.now();
    if (this.fetching) return this.fetching;
    if (this.fetchedAt !== undefined && now - this.fetchedAt < REFETCH_INTERVAL_MS) return;
    this.fetchedAt = now;
    this.fetching = this.load().finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private async load(): Promise<void> {
    const { name, logger } = this.opts;
    try {
      const keys = new Map<string, KeyObject>();
      for (const { identifier, pem } of await this.opts.source.fetch()) {
        try {
          keys.set(identifier, createPublicKey(pem));
        } catch {
          logger.warn({ scanner: name, key_identifier: identifier }, 'secret-scanning public key is not a readable PEM key; skipped');
        }
      }
      this.keys = keys;
    } catch (error) {
      logger.warn({ scanner: name, err: error }, 'secret-scanning public keys could not be fetched; reports signed with unknown keys are refused');
    }
  }
}
