import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The build, which every server of this run runs too (`npm run bench` builds first): measured
 * here, tsx's on-the-fly transform of src ran this loop about a quarter slower than the build.
 */
const DIST = new URL('../dist/', import.meta.url).href;

const WARMUP = 20_000;
const ITERATIONS = 300_000;

/**
 * One verification as the REST pipeline runs it (SPEC §3 checks 1–9: IP block, format and
 * checksum, SHA-256, key lookup through the cache, restrictions, rate limits, quotas), in
 * ops/s on this process's core, with a warm cache and real SQLite behind it. The plan's
 * limits are set high enough that every verification is admitted and consumes. Measured in
 * CPU time of this process, so the figure is verifications per second of one busy core.
 */
export async function measureVerification(plansFile: string, plan: string): Promise<number> {
  const { loadConfig } = (await import(`${DIST}config.js`)) as typeof import('../src/config.js');
  const { openKeygate } = (await import(`${DIST}runtime.js`)) as typeof import('../src/runtime.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'keygate-verify-'));
  const services = await openKeygate(loadConfig({ DATA_DIR: dataDir, PLANS_FILE: plansFile }, dataDir));
  try {
    const { accountId } = await services.accounts.createAccount({ email: 'verify@example.com', password: 'verify-Quartz-71-Lantern-Orbit', plan });
    const { secret } = await services.keys.createKey(accountId, { name: 'verify', quotas: { total: 1e12, daily: 1e12, monthly: 1e12 } });
    const traits = { ip: '127.0.0.1', origin: undefined, referer: undefined, method: 'GET', route: '/api/v1/sites' };
    for (let i = 0; i < WARMUP; i++) await services.gate.check(secret, traits);
    // CPU time, not wall time: on a shared machine the wall clock also counts other processes' turns.
    const started = process.cpuUsage();
    for (let i = 0; i < ITERATIONS; i++) await services.gate.check(secret, traits);
    const { user, system } = process.cpuUsage(started);
    return ITERATIONS / ((user + system) / 1e6);
  } finally {
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
