import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('GET /api/v1/sites', () => {
  it('lists the account\'s sites in the Sites seed\'s exact shape', async () => {
    const account = await server.newAccount();
    const site = await server.services.sites.createSite(account, 'example.com');
    const { secret } = await server.newKey(account);
    const { status, body } = await server.call('/api/v1/sites', { key: secret });
    expect(status).toBe(200);
    expect(body).toEqual({
      sites: [{ id: site.id, domain: 'example.com', key: site.siteKey, events_this_month: 0, created_at: new Date(site.createdAt).toISOString() }],
    });
    expect(body.sites[0].created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Object.keys(body.sites[0])).toEqual(['id', 'domain', 'key', 'events_this_month', 'created_at']);
  });
});
