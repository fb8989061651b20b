import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import type { ScannerPublicKey } from './ports.js';
import { ScannerKeyring } from './scanner-keyring.js';

function keyPair(identifier: string) {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    published: { identifier, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    sign: (body: Buffer) => sign('sha256', body, { key: privateKey, dsaEncoding: 'der' }).toString('base64'),
  };
}

function keyring(published: () => Promise<ScannerPublicKey[]>) {
  let fetches = 0;
  const warnings: string[] = [];
  const clock = new ManualClock();
  const ring = new ScannerKeyring({
    name: 'github',
    source: {
      fetch: () => {
        fetches++;
        return published();
      },
    },
    clock,
    logger: { warn: (_details, message) => warnings.push(message), error: () => undefined },
  });
  return { ring, clock, warnings, fetches: () => fetches };
}

describe('ScannerKeyring', () => {
  const body = Buffer.from('[{"token":"x"}]');

  it('fetches once for concurrent reports that name an unknown identifier', async () => {
    const signer = keyPair('k1');
    const { ring, fetches } = keyring(async () => [signer.published]);
    const results = await Promise.all(Array.from({ length: 5 }, () => ring.verify('k1', signer.sign(body), body)));
    expect(results).toEqual([true, true, true, true, true]);
    expect(fetches()).toBe(1);
  });

  it('skips a published key that is not a PEM key, logging it, and keeps the others', async () => {
    const signer = keyPair('good');
    const { ring, warnings } = keyring(async () => [{ identifier: 'bad', pem: 'not a key' }, signer.published]);
    expect(await ring.verify('good', signer.sign(body), body)).toBe(true);
    expect(warnings).toEqual(['secret-scanning public key is not a readable PEM key; skipped']);
  });

  it('keeps the keys it has when a later fetch fails, and tries again a minute later', async () => {
    const first = keyPair('first');
    const second = keyPair('second');
    let outcome: () => Promise<ScannerPublicKey[]> = async () => [first.published];
    const { ring, clock, warnings, fetches } = keyring(() => outcome());
    expect(await ring.verify('first', first.sign(body), body)).toBe(true);
    outcome = async () => Promise.reject(new Error('connect ECONNREFUSED'));
    clock.advance(60_000);
    expect(await ring.verify('second', second.sign(body), body)).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(await ring.verify('first', first.sign(body), body)).toBe(true);
    outcome = async () => [second.published];
    clock.advance(59_999);
    expect(await ring.verify('second', second.sign(body), body)).toBe(false);
    expect(fetches()).toBe(2);
    clock.advance(1);
    expect(await ring.verify('second', second.sign(body), body)).toBe(true);
    expect(fetches()).toBe(3);
  });

  it('refuses a signature that is not strict base64, even with a valid one inside', async () => {
    const signer = keyPair('k1');
    const { ring } = keyring(async () => [signer.published]);
    const signature = signer.sign(body);
    expect(await ring.verify('k1', signature, body)).toBe(true);
    for (const bad of [`${signature} `, `${signature},${signature}`, signature.slice(0, -1), '']) expect(await ring.verify('k1', bad, body)).toBe(false);
  });
});
