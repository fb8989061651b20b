import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from './expect-error.js';

const INDEX = '<!doctype html><title>Keygate</title><div id="root"></div>';

describe('with a built dashboard', () => {
  let server: TestServer;
  let webRoot: string;
  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), 'keygate-web-'));
    writeFileSync(join(webRoot, 'index.html'), INDEX);
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'assets', 'app.js'), 'console.log("app")');
    server = await startTestServer({ webRoot });
  });
  afterAll(async () => {
    await server.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('serves index.html at / and the assets by path', async () => {
    const page = await server.call('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toBe(INDEX);
    const asset = await server.call('/assets/app.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.text).toBe('console.log("app")');
  });

  it('answers client routes with index.html', async () => {
    for (const path of [
      '/signin',
      '/signup',
      '/sites',
      '/sites/site_abc',
      '/settings/api-keys',
      '/settings/api-keys/logs',
      '/settings/plan',
      '/settings/audit?x=1',
    ]) {
      const result = await server.call(path);
      expect({ path, status: result.status, text: result.text }).toEqual({ path, status: 200, text: INDEX });
    }
  });

  it('keeps the JSON 404 for API paths, server paths, missing assets by other methods, and non-GET requests', async () => {
    for (const path of ['/api/v1/nothing', '/api/', '/dashboard/api/nothing', '/dashboard/api/', '/docs/nothing-here', '/t.js/nothing']) {
      expectError(await server.call(path), 404, 'NOT_FOUND');
    }
    expectError(await server.call('/signin', { method: 'POST' }), 404, 'NOT_FOUND');
    expectError(await server.call('/sites', { method: 'DELETE' }), 404, 'NOT_FOUND');
    expect((await server.call('/healthz')).body).toEqual({ status: 'ok' });
    expect((await server.call('/t.js')).headers.get('content-type')).toMatch(/javascript/);
    expect((await server.call('/openapi.json')).body.openapi).toBe('3.1.0');
  });

  it('does not serve files outside the web root', async () => {
    const result = await server.call('/..%2f..%2fetc%2fpasswd');
    expect(result.text).not.toContain('root:');
  });
});

describe('without a built dashboard', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ webRoot: join(tmpdir(), 'keygate-no-such-web-root') });
  });
  afterAll(() => server.close());

  it('answers / with a page that says how to build it', async () => {
    const page = await server.call('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('Keygate dashboard is not built: run <code>npm run build</code>');
  });

  it('still answers API paths with the JSON 404', async () => {
    expectError(await server.call('/api/v1/nothing'), 404, 'NOT_FOUND');
    expectError(await server.call('/dashboard/api/nothing'), 404, 'NOT_FOUND');
  });
});
