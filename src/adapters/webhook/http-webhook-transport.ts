import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { invalid } from '../../core/errors.js';
import type { WebhookTransport } from '../../core/ports.js';
import { isPublicAddress } from '../../lib/public-address.js';

interface Address {
  address: string;
  family: number;
}

/** A destination Keygate will not connect to; the message starts with `url:`. */
class RefusedDestination extends Error {}

/** Every address of a host name, IPv4 first. */
type Resolve = (host: string) => Promise<Address[]>;

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: false });

export interface HttpWebhookTransportOptions {
  /** WEBHOOK_ALLOW_PRIVATE=1: loopback and private addresses are allowed too. */
  allowPrivate: boolean;
  /** The system resolver unless a test stands in for DNS. */
  resolve?: Resolve;
}

/**
 * POSTs with node:http(s), connecting only to the address that was checked: the host is
 * resolved (every address it has), refused if any address is not public (SPEC §10), and the
 * socket is pinned to the checked address, so a DNS answer that changes between the check and
 * the connection (rebinding) cannot lead elsewhere. TLS still verifies the certificate for the
 * host name. Redirects are answers like any other: node:http never follows them.
 */
export class HttpWebhookTransport implements WebhookTransport {
  constructor(private readonly opts: HttpWebhookTransportOptions) {}

  async checkDestination(url: string): Promise<void> {
    try {
      await this.resolve(new URL(url));
    } catch (error) {
      if (error instanceof RefusedDestination) throw invalid('url', error.message);
      throw error;
    }
  }

  async post(
    url: string,
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal,
  ): Promise<{ status: number | null; durationMs: number; error: string | null }> {
    const started = performance.now();
    const target = new URL(url);
    let address: Address;
    try {
      address = await this.resolve(target);
    } catch (error) {
      return { status: null, durationMs: performance.now() - started, error: (error as Error).message };
    }
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if (options.all) (callback as (error: null, addresses: Address[]) => void)(null, [address]);
      else callback(null, address.address, address.family);
    };
    return new Promise((done) => {
      const client = target.protocol === 'https:' ? https : http;
      const request = client.request(
        target,
        { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: pinned, agent: false, signal },
        (response) => {
          done({ status: response.statusCode ?? null, durationMs: performance.now() - started, error: null });
          // The answer's body is not needed: close the connection rather than read it.
          response.destroy();
        },
      );
      request.on('error', (error) => {
        const reason = signal.aborted ? ((signal.reason as Error | undefined)?.name === 'TimeoutError' ? 'timed out' : 'cancelled') : error.message;
        done({ status: null, durationMs: performance.now() - started, error: reason });
      });
      request.end(body);
    });
  }

  /** The address to connect to; throws RefusedDestination if the host does not resolve or any of its addresses is refused. */
  private async resolve(url: URL): Promise<Address> {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RefusedDestination('must be an http:// or https:// URL');
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: Address[];
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        // IPv4 first, as most receivers listen on it; every address is checked either way.
        addresses = await (this.opts.resolve ?? systemResolve)(host);
      } catch {
        throw new RefusedDestination(`${host} could not be resolved`);
      }
    }
    if (addresses.length === 0) throw new RefusedDestination(`${host} could not be resolved`);
    if (!this.opts.allowPrivate) {
      const refused = addresses.find(({ address }) => !isPublicAddress(address));
      if (refused)
        throw new RefusedDestination(
          `${host} resolves to ${refused.address}, which is not a public address (loopback, private, link-local and metadata addresses are refused)`,
        );
    }
    return addresses[0]!;
  }
}
