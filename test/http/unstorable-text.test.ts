import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { type DashboardClient, dashboardCall, signUp } from './dashboard-client.js';
import { expectError } from './expect-error.js';

let server: TestServer;
let owner: DashboardClient;

beforeAll(async () => {
  server = await startTestServer({ plans: { roomy: { max_keys: 20 } } });
  owner = await signUp(server);
  await server.services.accounts.setPlan(owner.accountId, 'roomy');
});
afterAll(() => server.close());

const PROBLEM = 'must not contain unpaired surrogates or non-characters';

describe('lone surrogates and non-characters', () => {
  it('refuses a key renamed to a lone surrogate that another key holds: 400 naming the field, not 500', async () => {
    await owner.request('POST', '/keys', { name: '\ud800' }).then((result) => expectError(result, 400, 'VALIDATION_ERROR', `name: ${PROBLEM}`));
    const created = await owner.request('POST', '/keys', { name: 'plain' });
    expect(created.status, created.text).toBe(201);
    expectError(await owner.request('PATCH', `/keys/${created.body.key.id}`, { name: '\ud800' }), 400, 'VALIDATION_ERROR', `name: ${PROBLEM}`);
    expect((await owner.request('GET', '/keys')).body.keys.map((k: any) => k.name)).toEqual(['plain']);
  });

  it('names nested fields, query parameters and non-characters alike', async () => {
    const ips = { name: 'nested', restrictions: { ips: ['10.0.0.1', 'a\udc00'] } };
    expectError(await owner.request('POST', '/keys', ips), 400, 'VALIDATION_ERROR', `restrictions.ips.1: ${PROBLEM}`);
    expectError(await owner.request('POST', '/keys', { name: 'x\uffffy' }), 400, 'VALIDATION_ERROR', `name: ${PROBLEM}`);
    expectError(await owner.request('POST', '/keys', { name: 'x\u{10FFFE}' }), 400, 'VALIDATION_ERROR', `name: ${PROBLEM}`);
    expectError(await owner.request('POST', '/sites', { domain: 'example\ufdd0.com' }), 400, 'VALIDATION_ERROR', `domain: ${PROBLEM}`);
    expectError(await owner.request('POST', '/keys', { '\ud83d': 1 }), 400, 'VALIDATION_ERROR', `body: field names ${PROBLEM}`);
    expectError(await owner.request('GET', `/logs?status=${encodeURIComponent('\ufffe')}`), 400, 'VALIDATION_ERROR', `status: ${PROBLEM}`);
  });

  it('refuses them in a tracking hit and on sign-up', async () => {
    const hit = JSON.stringify({ site: 'ak_000000000000000000000000', url: 'https://example.com/\ud800' });
    const collect = await server.call('/api/v1/collect', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: hit });
    expectError(collect, 400, 'VALIDATION_ERROR', `url: ${PROBLEM}`);
    expectError(
      await dashboardCall(server, undefined, 'POST', '/signup', { email: 'a\ud800@example.com', password: 'x' }),
      400,
      'VALIDATION_ERROR',
      `email: ${PROBLEM}`,
    );
  });

  it('keeps paired surrogates (emoji) and other Unicode', async () => {
    const created = await owner.request('POST', '/keys', { name: 'Deploy 🚀 ü 中' });
    expect(created.status, created.text).toBe(201);
    expect(created.body.key.name).toBe('Deploy 🚀 ü 中');
  });
});
