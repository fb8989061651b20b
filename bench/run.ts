/**
 * `npm run bench`: the REST pipeline, embedded and scaled out (PostgreSQL + Redis on this
 * machine), and ingestion, against a bare Fastify route, measured in one run on this machine,
 * plus a micro-benchmark of one verification. Figures are printed as ratios
 * to the baseline, so they compare across machines; CPU time per request is the steadier
 * figure when the load generator shares the machine.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ensureRedis, freshPostgres, freshRedisPrefix } from '../test/services.js';
import { collectTarget, INGESTION_ENV, type LoadTarget } from './ingestion.js';
import { measureVerification } from './verification.js';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** a and b alternate this many times and each figure is the median: the machine is shared. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = 2;
const ROOT = new URL('..', import.meta.url).pathname;
/** Limits far above what one machine can send, but set, so every check still runs. */
const BENCH_PLAN = { bench: { per_key_per_minute: 1_000_000_000, account_per_second: 1_000_000_000, account_per_minute: 1_000_000_000 } };
const BENCH_QUOTAS = ['--quota-total', '1000000000000', '--quota-daily', '1000000000', '--quota-monthly', '1000000000'];
const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** Servers on core 0, this process (the load generator) on core 1, when there are two. */
const pinned = cpus().length >= 2;
if (pinned) execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

interface Measurement {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  cpuMicrosPerRequest: number;
  serviceCpuMicrosPerRequest: number | undefined;
  non2xx: number;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

function startServer(args: string[], env: Record<string, string>): ChildProcess {
  const command = pinned ? (['taskset', ['-c', '0', process.execPath, ...args]] as const) : ([process.execPath, args] as const);
  return spawn(command[0], [...command[1]], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}

async function waitForHealth(url: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resume) => setTimeout(resume, 50));
  }
  throw new Error(`server at ${url} did not come up`);
}

/** User + system CPU time of a process so far, in microseconds. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND) * 1e6;
}

/** Load on one server; `services` adds the CPU of what it depends on (PostgreSQL, Redis). */
async function measure(name: string, pid: number, target: LoadTarget, services?: () => number): Promise<Measurement> {
  await autocannon({ ...target, connections: CONNECTIONS, duration: WARMUP_SECONDS });
  const before = cpuMicros(pid);
  const servicesBefore = services?.();
  const result = await autocannon({ ...target, connections: CONNECTIONS, duration: SECONDS });
  const cpu = cpuMicros(pid) - before;
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMicrosPerRequest: cpu / result.requests.total,
    serviceCpuMicrosPerRequest: services && servicesBefore !== undefined ? (services() - servicesBefore) / result.requests.total : undefined,
    non2xx: result.non2xx + result.errors,
  };
}

/** Each figure's median over the rounds (non-2xx summed). */
function median(runs: Measurement[]): Measurement {
  const mid = (pick: (m: Measurement) => number) => runs.map(pick).sort((x, y) => x - y)[Math.floor(runs.length / 2)]!;
  return {
    name: runs[0]!.name,
    requestsPerSecond: mid((m) => m.requestsPerSecond),
    p50: mid((m) => m.p50),
    p99: mid((m) => m.p99),
    cpuMicrosPerRequest: mid((m) => m.cpuMicrosPerRequest),
    serviceCpuMicrosPerRequest: runs[0]!.serviceCpuMicrosPerRequest === undefined ? undefined : mid((m) => m.serviceCpuMicrosPerRequest!),
    non2xx: runs.reduce((sum, m) => sum + m.non2xx, 0),
  };
}

function cli(env: Record<string, string>, ...args: string[]): Record<string, string> {
  return JSON.parse(execFileSync(process.execPath, ['bin/keygate.js', 'admin', ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' }));
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  if (child.exitCode === null) await once(child, 'exit');
}

/** CPU time so far of the processes running PostgreSQL and Redis on this machine, in microseconds. */
function serviceCpuMicros(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'postgres' || comm === 'redis-server') total += cpuMicros(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

/** A Keygate server on its own data (an account, a site and a key made with the CLI), started and healthy. */
async function startKeygate(
  env: Record<string, string>,
  { webhook = false } = {},
): Promise<{ child: ChildProcess; url: string; auth: Record<string, string>; siteKey: string; keyId: string }> {
  const { account_id: account } = cli(
    env,
    'create-account',
    '--email',
    `bench-${Date.now()}@example.com`,
    '--password',
    'bench-Quartz-71-Lantern-Orbit',
    '--plan',
    'bench',
  );
  // An endpoint for every event of the account, on a port nobody listens on: deliveries fail and are retried off the request path.
  if (webhook) cli(env, 'create-webhook', '--account', account!, '--url', 'http://127.0.0.1:9/bench-hook');
  const { key: siteKey } = cli(env, 'create-site', '--account', account!, '--domain', 'bench.example.com');
  const { id: keyId, key } = cli(env, 'create-key', '--account', account!, '--name', 'bench', ...BENCH_QUOTAS);
  const port = await freePort();
  const child = startServer(['dist/main.js'], { ...env, PORT: String(port), HOST: '127.0.0.1' });
  children.push(child);
  child.stdout!.resume();
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(`${url}/healthz`);
  return { child, url, auth: { authorization: `Bearer ${key}` }, siteKey: siteKey!, keyId: keyId! };
}

const dataDir = mkdtempSync(join(tmpdir(), 'keygate-bench-'));
const plansFile = join(dataDir, 'plans.json');
writeFileSync(plansFile, JSON.stringify(BENCH_PLAN));
const env = { DATA_DIR: dataDir, PLANS_FILE: plansFile, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...INGESTION_ENV };
const children: ChildProcess[] = [];
const dataDirs = [dataDir];
let scaledDatabase: { drop(): Promise<void> } | undefined;
try {
  const embedded = await startKeygate(env);
  const withWebhookDir = mkdtempSync(join(tmpdir(), 'keygate-bench-webhook-'));
  dataDirs.push(withWebhookDir);
  const withWebhook = await startKeygate({ ...env, DATA_DIR: withWebhookDir, WEBHOOK_ALLOW_PRIVATE: '1' }, { webhook: true });
  // Scaled out: PostgreSQL and Redis on this same machine, started as the tests start them.
  const database = await freshPostgres();
  scaledDatabase = database;
  const scaledEnv = { ...env, DATABASE_URL: database.url, REDIS_URL: await ensureRedis(), REDIS_KEY_PREFIX: freshRedisPrefix() };
  const scaled = await startKeygate(scaledEnv);
  const body = await (await fetch(`${embedded.url}/api/v1/sites`, { headers: embedded.auth })).text();

  const bare = startServer(['bench/bare-server.mjs'], { BENCH_BODY: body });
  children.push(bare);
  const [bareUrl] = (await once(bare.stdout!, 'data')).map((chunk: Buffer) => String(chunk).trim());

  const runs = {
    baseline: [] as Measurement[],
    pipeline: [] as Measurement[],
    webhooked: [] as Measurement[],
    ingestion: [] as Measurement[],
    scaledOut: [] as Measurement[],
  };
  for (let round = 0; round < ROUNDS; round++) {
    runs.baseline.push(await measure('a) bare Fastify route', bare.pid!, { url: `${bareUrl}/api/v1/sites` }));
    runs.pipeline.push(
      await measure('b) GET /api/v1/sites, embedded: whole pipeline + logs', embedded.child.pid!, {
        url: `${embedded.url}/api/v1/sites`,
        headers: embedded.auth,
      }),
    );
    runs.webhooked.push(
      await measure('b2) the same, with a webhook endpoint configured for the account', withWebhook.child.pid!, {
        url: `${withWebhook.url}/api/v1/sites`,
        headers: withWebhook.auth,
      }),
    );
    runs.ingestion.push(
      await measure('c) POST /api/v1/collect, embedded: events committed', embedded.child.pid!, collectTarget(embedded.url, embedded.siteKey)),
    );
    runs.scaledOut.push(
      await measure(
        'd) GET /api/v1/sites, scaled out: PostgreSQL + Redis',
        scaled.child.pid!,
        { url: `${scaled.url}/api/v1/sites`, headers: scaled.auth },
        serviceCpuMicros,
      ),
    );
  }
  const baseline = median(runs.baseline);
  const pipeline = median(runs.pipeline);
  const webhooked = median(runs.webhooked);
  const ingestion = median(runs.ingestion);
  const scaledOut = median(runs.scaledOut);
  await Promise.all(children.map(stop));
  const logged = (cli(env, 'logs', '--key', embedded.keyId, '--limit', '0') as unknown as { count: number }).count;

  const verification = await measureVerification(plansFile, 'bench');

  console.log(
    `\nKeygate benchmark — ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, ${CONNECTIONS} connections, ${SECONDS} s per run, median of ${ROUNDS} alternating rounds`,
  );
  console.log(pinned ? 'servers pinned to core 0, load generator to core 1 (PostgreSQL and Redis unpinned)' : 'one core: servers and load generator share it');
  console.log('\n| run | req/s | p50 ms | p99 ms | server CPU µs/req | CPU ratio to a) | non-2xx |');
  console.log('|---|---|---|---|---|---|---|');
  for (const m of [baseline, pipeline, webhooked, ingestion, scaledOut]) {
    const ratio = baseline.cpuMicrosPerRequest / m.cpuMicrosPerRequest;
    console.log(
      `| ${m.name} | ${Math.round(m.requestsPerSecond)} | ${m.p50} | ${m.p99} | ${m.cpuMicrosPerRequest.toFixed(1)} | ${ratio.toFixed(2)} | ${m.non2xx} |`,
    );
  }
  console.log(`\nd) PostgreSQL + Redis CPU per request besides the server's: ${scaledOut.serviceCpuMicrosPerRequest?.toFixed(1)} µs`);
  console.log(
    `ratio b/a by req/s: ${(pipeline.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}, by server CPU per request: ${(baseline.cpuMicrosPerRequest / pipeline.cpuMicrosPerRequest).toFixed(2)} (target ≥ 0.70)`,
  );
  console.log(`b) p99: ${pipeline.p99} ms (target ≤ 10 ms)`);
  console.log(
    `b2/b by server CPU per request (webhooks configured; should stay ≈ 1.00): ${(pipeline.cpuMicrosPerRequest / webhooked.cpuMicrosPerRequest).toFixed(2)}`,
  );
  console.log(
    `ratio c/a (ingestion) by events/s: ${(ingestion.requestsPerSecond / baseline.requestsPerSecond).toFixed(2)}, by server CPU per event: ${(baseline.cpuMicrosPerRequest / ingestion.cpuMicrosPerRequest).toFixed(2)} (target ≥ 0.60)`,
  );
  console.log(
    `ratio d/b (scaled out to embedded) by req/s: ${(scaledOut.requestsPerSecond / pipeline.requestsPerSecond).toFixed(2)} (target ≥ 0.50); d) p99: ${scaledOut.p99} ms (target ≤ 25 ms)`,
  );
  console.log(`request log rows committed for b) and its warm-up: ${logged.toLocaleString('en')}`);
  console.log(
    `verification (hash + lookup + limiter + quotas, warm cache, one core): ${Math.round(verification).toLocaleString('en')} ops/s (target ≥ 200,000)`,
  );
  if ([baseline, pipeline, webhooked, ingestion, scaledOut].some((m) => m.non2xx > 0)) {
    console.error('some requests were not answered 200: the figures above are not comparable');
    process.exitCode = 1;
  }
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await scaledDatabase?.drop();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
}
