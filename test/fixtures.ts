import { test } from 'vitest';
import { type CallOptions, type CallResult, startTestServer, type TestServerOptions } from './harness.js';
import { type DashboardClient, signUp } from './http/dashboard-client.js';
import { forwardedFor } from './http/forwarded-for.js';

let clientIps = 0;

/** An address no other test of this file sends from, in 198.18.0.0/15 (RFC 2544's benchmarking range). */
function nextClientIp(): string {
  const n = ++clientIps;
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

/**
 * Vitest's `test`, extended with a world for each test on one server per file: the server
 * (started with `options` when the file's first test asks for it, closed after its last), and
 * for each test that names them its own account (on `plan`, free unless overridden), API key,
 * client address and dashboard users. Nothing a test does to these reaches another test, whatever
 * the order they run in.
 *
 * @example
 * const test = serverTest({ env: { TRUST_PROXY: '127.0.0.1' } });
 * test.override('plan', 'pro');
 *
 * test('answers 200 to a live key', async ({ call, key }) => {
 *   expect((await call('/api/v1/sites', { key: key.secret })).status).toBe(200);
 * });
 */
export function serverTest(options: TestServerOptions = {}) {
  return (
    test
      // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern; the server has none.
      .extend('server', { scope: 'file' }, async ({}, { onCleanup }) => {
        const server = await startTestServer(options);
        onCleanup(() => server.close());
        return server;
      })
      .extend('plan', 'free' as string)
      .extend('account', ({ server, plan }) => server.newAccount({ plan }))
      .extend('key', ({ server, account }) => server.newKey(account))
      /** This test's own client address; `call` sends it as X-Forwarded-For (the server must trust 127.0.0.1 as a proxy). */
      .extend('clientIp', () => nextClientIp())
      .extend(
        'call',
        ({ server, clientIp }) =>
          (path: string, callOptions: CallOptions = {}): Promise<CallResult> =>
            server.call(path, { ...callOptions, headers: { ...forwardedFor(clientIp), ...callOptions.headers } }),
      )
      /** A dashboard user of an account of its own, signed in. */
      .extend('owner', ({ server }): Promise<DashboardClient> => signUp(server))
      /** Another dashboard user, of another account: the one who must not see the owner's things. */
      .extend('other', ({ server }): Promise<DashboardClient> => signUp(server))
  );
}
