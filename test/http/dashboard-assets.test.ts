import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEB_ROOT } from '../../src/http/spa.js';
import { startTestServer, type TestServer } from '../harness.js';

/** The bytes as they travel (no decompression, unlike fetch), with the headers. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

const SECURITY = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

function expectSecurityHeaders(headers: IncomingHttpHeaders): void {
  expect(headers).toMatchObject(SECURITY);
  const csp = headers['content-security-policy'] ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("script-src 'self';");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
}

const assets = existsSync(join(DEFAULT_WEB_ROOT, 'assets')) ? readdirSync(join(DEFAULT_WEB_ROOT, 'assets')) : [];
const entry = /<script type="module" crossorigin src="\/assets\/([^"]+\.js)"/.exec(
  existsSync(join(DEFAULT_WEB_ROOT, 'index.html')) ? readFileSync(join(DEFAULT_WEB_ROOT, 'index.html'), 'utf8') : '',
)?.[1];

describe('the built dashboard as served', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('is built (npm run build) with a hashed entry script and a brotli and a gzip copy of every script', () => {
    expect(entry).toMatch(/^index-[\w-]+\.js$/);
    const scripts = assets.filter((name) => name.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(1);
    for (const name of scripts) expect([name, assets.includes(`${name}.br`), assets.includes(`${name}.gz`)]).toEqual([name, true, true]);
  });

  it('sends the hashed scripts brotli- or gzip-compressed as the client accepts, kept for a year as immutable', async () => {
    const original = readFileSync(join(DEFAULT_WEB_ROOT, 'assets', entry!));
    const br = await rawGet(`${server.url}/assets/${entry}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(br.body.length).toBeLessThan(original.length / 2);
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);

    const gzip = await rawGet(`${server.url}/assets/${entry}`, { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).equals(original)).toBe(true);

    const plain = await rawGet(`${server.url}/assets/${entry}`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(original)).toBe(true);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('has index.html revalidated on every visit, compressed too, at / and at client routes', async () => {
    const original = readFileSync(join(DEFAULT_WEB_ROOT, 'index.html'));
    for (const path of ['/', '/signin', '/settings/api-keys']) {
      const page = await rawGet(`${server.url}${path}`, { 'accept-encoding': 'br' });
      expect({ path, status: page.status, cache: page.headers['cache-control'], encoding: page.headers['content-encoding'] }).toEqual({
        path,
        status: 200,
        cache: 'no-cache',
        encoding: 'br',
      });
      expect(brotliDecompressSync(page.body).equals(original)).toBe(true);
    }
  });

  it('puts no inline script in index.html, which the CSP would refuse', () => {
    const html = readFileSync(join(DEFAULT_WEB_ROOT, 'index.html'), 'utf8');
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts).toHaveLength(1);
    for (const tag of scripts) expect(tag).toMatch(/\bsrc="\/assets\//);
    expect(html).not.toMatch(/\bon[a-z]+=/);
  });

  it('sends the security headers with every dashboard answer: pages, assets, the favicon and the dashboard API, errors included', async () => {
    for (const path of ['/', '/signin', '/sites/site_x', `/assets/${entry}`, '/favicon.svg', '/dashboard/api/session', '/dashboard/api/nothing']) {
      const answer = await rawGet(`${server.url}${path}`);
      expect([path, answer.status]).toEqual([path, path.startsWith('/dashboard/api/') ? (path.endsWith('session') ? 401 : 404) : 200]);
      expectSecurityHeaders(answer.headers);
    }
    const favicon = await rawGet(`${server.url}/favicon.svg`);
    expect(favicon.headers['content-type']).toMatch(/^image\/svg\+xml/);
  });

  it('leaves the CSP off the REST API and the API reference, which are not the dashboard', async () => {
    for (const path of ['/api/v1/sites', '/docs', '/healthz']) {
      const answer = await rawGet(`${server.url}${path}`);
      expect([path, answer.headers['content-security-policy']]).toEqual([path, undefined]);
    }
  });
});
