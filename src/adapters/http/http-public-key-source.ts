import type { PublicKeySource, ScannerPublicKey } from '../../core/ports.js';

interface PublishedKeys {
  public_keys?: Array<{ key_identifier?: unknown; key?: unknown }>;
}

/**
 * A code host's secret-scanning public keys document, fetched over HTTP(S) in the shape
 * GitHub publishes: `{"public_keys":[{"key_identifier","key" (PEM),"is_current"}]}`.
 */
export class HttpPublicKeySource implements PublicKeySource {
  constructor(
    private readonly url: string,
    private readonly options: { timeoutMs?: number } = {},
  ) {}

  async fetch(): Promise<ScannerPublicKey[]> {
    const response = await fetch(this.url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000) });
    if (!response.ok) throw new Error(`${this.url} answered ${response.status}`);
    const document = (await response.json()) as PublishedKeys;
    if (!Array.isArray(document?.public_keys)) throw new Error(`${this.url} holds no public_keys list`);
    return document.public_keys.flatMap((entry) =>
      typeof entry?.key_identifier === 'string' && typeof entry.key === 'string' ? [{ identifier: entry.key_identifier, pem: entry.key }] : [],
    );
  }
}
