import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallResult, TestServer } from '../harness.js';

/** An ECDSA P-256 key pair standing in for one of a code host's secret-scanning keys. */
export interface SigningKey {
  identifier: string;
  publicPem: string;
  /** Base64 ASN.1 DER signature of the body's bytes, as GitHub and GitLab send it. */
  sign(body: string): string;
}

export function signingKey(identifier: string): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    identifier,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (body) => sign('sha256', Buffer.from(body), { key: privateKey, dsaEncoding: 'der' }).toString('base64'),
  };
}

/** A local stand-in for https://api.github.com/meta/public_keys/secret_scanning. */
export interface KeysServer {
  /** The document's URL for `host` (each host's document is the same here). */
  url(host: string): string;
  /** How many times the document was fetched. */
  fetches: number;
  /** What the document lists from now on. */
  publish(keys: SigningKey[]): void;
  /** While true, every fetch gets a 503. */
  failing: boolean;
  close(): Promise<void>;
}

export async function startKeysServer(keys: SigningKey[]): Promise<KeysServer> {
  let published = keys;
  const server = createServer((_request, response) => {
    state.fetches++;
    if (state.failing) return void response.writeHead(503).end();
    const document = { public_keys: published.map((key, i) => ({ key_identifier: key.identifier, key: key.publicPem, is_current: i === 0 })) };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(document));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const state: KeysServer = {
    url: (host) => `http://127.0.0.1:${port}/${host}`,
    fetches: 0,
    publish: (next) => {
      published = next;
    },
    failing: false,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return state;
}

/** POSTs `body` byte for byte to a secret-scanning endpoint, signed by `key`; `headers` (lower case) replace or add to that. */
export function scanReport(
  server: TestServer,
  host: 'github' | 'gitlab',
  body: string,
  key: SigningKey | undefined,
  headers: Record<string, string> = {},
): Promise<CallResult> {
  const prefix = host;
  return server.call(`/api/v1/secret-scanning/${host}`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      ...(key && { [`${prefix}-public-key-identifier`]: key.identifier, [`${prefix}-public-key-signature`]: key.sign(body) }),
      ...headers,
    },
  });
}
