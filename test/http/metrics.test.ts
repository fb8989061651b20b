import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { collectHit } from './collect-hit.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** The samples of the exposition text: `name{labels}` → value. */
async function scrape(): Promise<Map<string, number>> {
  const response = await server.call('/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of response.text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** How much a sample grew between two scrapes (absent counts as 0). */
const growth = (before: Map<string, number>, after: Map<string, number>, sample: string) => (after.get(sample) ?? 0) - (before.get(sample) ?? 0);

describe('GET /metrics', () => {
  it('counts answers by route template and status, and errors by code, with no tenant data in any label', async () => {
    const account = await server.newAccount();
    const site = await server.services.sites.createSite(account, 'metrics.example.com');
    const { secret } = await server.newKey(account);
    const before = await scrape();

    for (let i = 0; i < 3; i++) expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    expect((await server.call(`/api/v1/sites/${site.id}`, { key: secret })).status).toBe(200);
    expect((await server.call('/api/v1/sites', { key: 'sk_live_000000000000000000000000000000' })).status).toBe(401);
    expect((await server.call('/api/v1/sites')).status).toBe(401);
    expect((await server.call('/api/v1/no-such-route-1234')).status).toBe(404);
    expect((await collectHit(server, site.siteKey)).status).toBe(202);

    const after = await scrape();
    expect(growth(before, after, 'keygate_http_requests_total{method="GET",route="/api/v1/sites",status="200"}')).toBe(3);
    expect(growth(before, after, 'keygate_http_requests_total{method="GET",route="/api/v1/sites/:id",status="200"}')).toBe(1);
    expect(growth(before, after, 'keygate_http_requests_total{method="GET",route="/api/v1/sites",status="401"}')).toBe(2);
    expect(growth(before, after, 'keygate_http_requests_total{method="POST",route="/api/v1/collect",status="202"}')).toBe(1);
    expect(growth(before, after, 'keygate_http_errors_total{code="INVALID_KEY"}')).toBe(1);
    expect(growth(before, after, 'keygate_http_errors_total{code="MISSING_KEY"}')).toBe(1);
    expect(growth(before, after, 'keygate_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(growth(before, after, 'keygate_http_request_duration_seconds_count{method="GET",route="/api/v1/sites"}')).toBe(5);

    const text = (await server.call('/metrics')).text;
    for (const secretish of [secret, site.id, site.siteKey, account, 'no-such-route-1234', '127.0.0.1']) expect(text).not.toContain(secretish);
  });

  it('shows the process figures and the writes waiting for their commit', async () => {
    const samples = await scrape();
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(samples.has(name), name).toBe(true);
    }
    expect(samples.get('keygate_pending_writes{kind="request_log"}')).toBe(0);
    expect(samples.get('keygate_pending_writes{kind="event"}')).toBe(0);
  });

  it('is a server path: documented in OpenAPI, and nothing under it falls through to the dashboard', async () => {
    const { body } = await server.call('/openapi.json');
    expect(Object.keys(body.paths['/metrics'])).toEqual(['get']);
    expect((await server.call('/metrics/extra')).status).toBe(404);
  });
});
