import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallResult, startTestServer, type TestServer } from '../harness.js';
import { collectHit } from '../http/collect-hit.js';
import { expectError } from '../http/expect-error.js';

/** A 4 MiB tmpfs holds the database: filling it is a full disk. Mounting needs root (CAP_SYS_ADMIN). */
const mountPoint = mkdtempSync(join(tmpdir(), 'keygate-full-disk-'));
let unmountable: string | undefined;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'pipe' });
} catch (error) {
  unmountable = `cannot mount a tmpfs here (needs root): ${(error as Error).message.split('\n')[0]}`;
  rmSync(mountPoint, { recursive: true, force: true });
}

/** Writes a file until the file system is full; returns its path. */
function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return path;
}

describe.skipIf(unmountable !== undefined)(`a full disk under the SQLite database${unmountable ? ` (skipped: ${unmountable})` : ''}`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dataDir: mountPoint });
  });
  afterAll(async () => {
    await server?.close();
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  it('answers writes and /readyz with 503 NOT_READY while full, and recovers without a restart once space is freed', async () => {
    const account = await server.newAccount();
    const site = await server.services.sites.createSite(account, 'full.example.com');
    const { secret } = await server.newKey(account);
    expect((await collectHit(server, site.siteKey)).status).toBe(202);
    expect((await server.call('/readyz')).status).toBe(200);

    const filler = fillDisk(mountPoint);
    // SQLite first reuses the space its write-ahead log already holds (and a checkpoint can free
    // some of it again): a write may still succeed until one needs space there is not. Each kind
    // of write is repeated until refused, and its refusal must be the 503 with its body.
    const untilRefused = async (write: () => Promise<CallResult>, stored: number[] = []) => {
      let answer = await write();
      for (let tries = 0; answer.status < 300 && tries < 1000; tries++) {
        stored.push(answer.status);
        // Time moves between tries, so no rate limit answers first.
        server.clock.advance(2000);
        answer = await write();
      }
      return answer;
    };
    const storedHits: number[] = [];
    expectError(await untilRefused(() => collectHit(server, site.siteKey), storedHits), 503, 'NOT_READY');
    // The request's log row cannot be committed, so the answer cannot be given either.
    expectError(await untilRefused(() => server.call('/api/v1/sites', { key: secret })), 503, 'NOT_READY');
    expectError(await untilRefused(() => server.call('/readyz')), 503, 'NOT_READY');
    expect((await server.call('/healthz')).status).toBe(200);

    rmSync(filler);
    // Past the rate-limit windows the repeated calls above may have filled.
    server.clock.advance(61_000);
    expect((await server.call('/readyz')).status).toBe(200);
    expect((await collectHit(server, site.siteKey)).status).toBe(202);
    const { status, body } = await server.call('/api/v1/sites', { key: secret });
    expect(status).toBe(200);
    expect(body.sites[0].events_this_month).toBe(2 + storedHits.length);
  });
});
