import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGGED_REFUSALS_PER_MINUTE } from '../../src/core/sampled-request-log.js';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from './expect-error.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function logsOf(target: TestServer, keyId: string) {
  return (await target.services.requestLogs.list({ keyId, limit: 1000 })).logs;
}

/** A key of a fresh account, deactivated: every request with it is refused INACTIVE_KEY. */
async function inactiveKey(target: TestServer) {
  const account = await target.newAccount();
  const { key, secret } = await target.newKey(account);
  await target.services.keys.deactivateKey(key.id, 'operator');
  return { account, keyId: key.id, secret };
}

async function refusedTimes(target: TestServer, secret: string, times: number): Promise<string[]> {
  const ids = [];
  for (let i = 0; i < times; i++) {
    const answer = await target.call('/api/v1/sites', { key: secret });
    expectError(answer, 401, 'INACTIVE_KEY');
    ids.push(answer.body.request_id as string);
  }
  return ids;
}

describe('sampling of refused requests in the request log', () => {
  it(`logs the first ${LOGGED_REFUSALS_PER_MINUTE} refusals per key, code and minute, then one row counting the rest`, async () => {
    const { account, keyId, secret } = await inactiveKey(server);
    const minuteStart = Math.ceil(server.clock.now() / 60_000) * 60_000;
    server.clock.set(minuteStart);
    const answered = await refusedTimes(server, secret, 25);
    expect(await logsOf(server, keyId)).toHaveLength(LOGGED_REFUSALS_PER_MINUTE);

    // The next minute's first refusal writes the summary of the last one, and is logged itself.
    server.clock.advance(60_000);
    const [next] = await refusedTimes(server, secret, 1);
    await server.services.logWriter.flush();
    const logs = (await logsOf(server, keyId)).reverse();
    expect(logs.map((row) => [row.id, row.errorCode, row.requests])).toEqual([
      ...answered.slice(0, LOGGED_REFUSALS_PER_MINUTE).map((id) => [id, 'INACTIVE_KEY', 1]),
      [answered[LOGGED_REFUSALS_PER_MINUTE], 'INACTIVE_KEY', 25 - LOGGED_REFUSALS_PER_MINUTE],
      [next, 'INACTIVE_KEY', 1],
    ]);
    const days = await server.services.requestLogs.perDay(account);
    expect(days.reduce((sum, day) => sum + day.requests, 0)).toBe(26);
    expect(days.reduce((sum, day) => sum + day.errors, 0)).toBe(26);
  });

  it('logs every accepted request, however many', async () => {
    const account = await server.newAccount({ plan: 'pro' });
    const { key, secret } = await server.newKey(account);
    for (let i = 0; i < 30; i++) expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    const logs = await logsOf(server, key.id);
    expect(logs.map((row) => row.requests)).toEqual(Array(30).fill(1));
  });

  it('counts each code of a key on its own', async () => {
    const account = await server.newAccount();
    const { key, secret } = await server.newKey(account, { restrictions: { ips: ['192.0.2.0/24'] } });
    for (let i = 0; i < 12; i++) expectError(await server.call('/api/v1/sites', { key: secret }), 403, 'KEY_RESTRICTED');
    await server.services.keys.deactivateKey(key.id, 'operator');
    await refusedTimes(server, secret, 3);
    const codes = (await logsOf(server, key.id)).map((row) => row.errorCode);
    expect(codes.filter((code) => code === 'KEY_RESTRICTED')).toHaveLength(LOGGED_REFUSALS_PER_MINUTE);
    expect(codes.filter((code) => code === 'INACTIVE_KEY')).toHaveLength(3);
  });

  it('writes the pending summary on shutdown', async () => {
    const first = await startTestServer();
    const { dataDir } = first;
    const { keyId, secret } = await inactiveKey(first);
    await refusedTimes(first, secret, LOGGED_REFUSALS_PER_MINUTE + 4);
    await first.app.close();
    await first.services.close();
    const second = await startTestServer({ dataDir, clock: first.clock });
    try {
      const logs = await logsOf(second, keyId);
      expect(logs.map((row) => row.requests).sort((a, b) => b - a)).toEqual([4, ...Array(LOGGED_REFUSALS_PER_MINUTE).fill(1)]);
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
