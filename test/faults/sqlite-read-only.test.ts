import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { collectHit } from '../http/collect-hit.js';
import { dashboardCall, PASSWORD, signUp } from '../http/dashboard-client.js';
import { expectError } from '../http/expect-error.js';

/**
 * The SQLite database's file system turns read-only under a running server, then writable
 * again. `mount -o remount,ro` cannot do it (the kernel refuses with EBUSY while SQLite holds
 * its files open for writing), so the data directory is a FUSE mirror that fails every write
 * with EROFS while a switch file exists (read-only-switch.py), as a file system the kernel
 * turned read-only does. Needs root, /dev/fuse and Debian's python3-fusepy (.ci/run installs it).
 */

const PYTHON = '/usr/bin/python3';
const SWITCH_FS = fileURLToPath(new URL('./read-only-switch.py', import.meta.url));

const skipped =
  userInfo().uid !== 0
    ? 'needs root to mount a FUSE file system'
    : !existsSync('/dev/fuse')
      ? 'needs /dev/fuse'
      : spawnSync(PYTHON, ['-c', 'import fusepy']).status !== 0
        ? "needs Debian's python3-fusepy"
        : undefined;

const base = mkdtempSync(join(tmpdir(), 'keygate-read-only-'));
const backing = join(base, 'backing');
const mountPoint = join(base, 'data');
/** While this file exists, the mirror refuses writes. */
const readOnlySwitch = join(base, 'read-only');
let mirror: ChildProcess | undefined;
let server: TestServer;

const mounted = () =>
  readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === mountPoint);

beforeAll(async () => {
  if (skipped) return;
  for (const dir of [backing, mountPoint]) mkdirSync(dir);
  mirror = spawn(PYTHON, [SWITCH_FS, backing, mountPoint, readOnlySwitch], { stdio: ['ignore', 'inherit', 'inherit'] });
  for (let waited = 0; !mounted(); waited += 50) {
    if (waited > 10_000 || mirror.exitCode !== null) throw new Error('the FUSE mirror did not mount');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  server = await startTestServer({ dataDir: mountPoint });
});
afterAll(async () => {
  await server?.close();
  if (mirror && mirror.exitCode === null) {
    const exited = once(mirror, 'exit');
    // Lazily, should a failed start have left a file open in it.
    if (mounted()) execFileSync('umount', ['--lazy', mountPoint]);
    else mirror.kill();
    await exited;
  }
  rmSync(base, { recursive: true, force: true });
});

describe.skipIf(skipped !== undefined)(`a read-only file system under the SQLite database${skipped ? ` (skipped: ${skipped})` : ''}`, () => {
  it('answers writes and /readyz with 503 NOT_READY while read-only, stores none of them, and recovers without a restart', async () => {
    const account = await server.newAccount();
    const site = await server.services.sites.createSite(account, 'read-only.example.com');
    const { secret } = await server.newKey(account);
    const owner = await signUp(server);
    expect((await server.call('/api/v1/sites', { key: secret })).status).toBe(200);
    expect((await server.call('/readyz')).status).toBe(200);

    writeFileSync(readOnlySwitch, '');
    // Readiness asks storage for a write: reads alone would still succeed.
    expectError(await server.call('/readyz'), 503, 'NOT_READY');
    // A keyed request cannot commit its log row (SPEC §4), so it cannot be answered 200.
    const keyed = await server.call('/api/v1/sites', { key: secret });
    expectError(keyed, 503, 'NOT_READY');
    const email = `read-only-${Date.now()}@example.com`;
    expectError(await dashboardCall(server, undefined, 'POST', '/signup', { email, password: PASSWORD }), 503, 'NOT_READY');
    expectError(await owner.request('POST', '/keys', { name: 'during the outage' }), 503, 'NOT_READY');
    expectError(await collectHit(server, site.siteKey), 503, 'NOT_READY');
    expectError(await server.call('/readyz'), 503, 'NOT_READY');
    expect((await server.call('/healthz')).status).toBe(200);
    expect(server.logs.some((line) => line.includes('storage cannot take the work now'))).toBe(true);

    rmSync(readOnlySwitch);
    expect((await server.call('/readyz')).status).toBe(200);
    const answered = await server.call('/api/v1/sites', { key: secret });
    expect(answered.status).toBe(200);
    expect(answered.body.sites[0].events_this_month).toBe(0);
    expect((await dashboardCall(server, undefined, 'POST', '/signup', { email, password: PASSWORD })).status).toBe(201);
    expect((await owner.request('POST', '/keys', { name: 'after the outage' })).status).toBe(201);
    expect((await collectHit(server, site.siteKey)).status).toBe(202);

    // Nothing refused was half-stored, and what was answered afterwards is.
    const rows = await server.tableRows(['users', 'api_keys', 'request_logs']);
    expect(rows.split(email).length - 1).toBe(1);
    expect(rows).not.toContain('during the outage');
    expect(rows).toContain('after the outage');
    expect(rows).not.toContain(keyed.body.request_id);
    expect(rows).toContain(answered.headers.get('x-request-id'));
  });
});
