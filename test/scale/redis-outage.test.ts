import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from '../http/expect-error.js';
import { freshRedisPrefix } from '../services.js';

/**
 * What an instance does while its Redis is down: readiness fails so a load balancer stops
 * sending it traffic, keyed requests fail closed with 500 INTERNAL (limits cannot be checked,
 * so nothing is admitted unchecked) within seconds rather than hang, and everything works
 * again once Redis is back. This test runs a Redis of its own, so stopping it disturbs no other.
 */

const PORT = 6391;
let redis: ChildProcess | undefined;
let server: TestServer;

async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--port', String(PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  for await (const chunk of redis.stdout!) {
    output += String(chunk);
    if (output.includes('Ready to accept connections')) return;
  }
  throw new Error(`redis-server exited: ${output}`);
}

async function stopRedis(): Promise<void> {
  if (!redis || redis.exitCode !== null) return;
  const exited = once(redis, 'exit');
  redis.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  await startRedis();
  server = await startTestServer({ env: { REDIS_URL: `redis://127.0.0.1:${PORT}`, REDIS_KEY_PREFIX: freshRedisPrefix() } });
});
afterAll(async () => {
  await server?.close();
  await stopRedis();
});

describe('an instance whose Redis goes away', () => {
  it('is not ready and refuses keyed requests with 500 INTERNAL, then recovers when Redis is back', async () => {
    const account = await server.newAccount();
    const { secret } = await server.newKey(account);
    expect((await server.call('/readyz')).status).toBe(200);
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);

    await stopRedis();
    expectError(await server.call('/readyz'), 503, 'NOT_READY');
    const refused = await server.call('/api/v1/sites', { key: secret });
    expectError(refused, 500, 'INTERNAL');
    expect(refused.text).not.toMatch(/redis|ECONNREFUSED|stack/i);
    expect((await server.call('/healthz')).status).toBe(200);
    expect(server.logs.some((line) => line.includes('Redis is not reachable'))).toBe(true);

    await startRedis();
    await expect.poll(async () => (await server.call('/readyz')).status, { timeout: 15_000, interval: 200 }).toBe(200);
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
  });
});
