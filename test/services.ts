import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chownSync, constants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * Real PostgreSQL and Redis for the tests of the scaled-out configuration (SPEC §8). On a
 * machine with Debian's packages (CI installs them) the servers are started here when they
 * are not running; KEYGATE_TEST_POSTGRES_URL and KEYGATE_TEST_REDIS_URL point elsewhere.
 */

const CLUSTER_CONFIG = '/etc/postgresql/15/main';
const POSTGRES_SERVER = '/usr/lib/postgresql/15/bin/postgres';
const ROLE = 'keygate_test';
const PASSWORD = 'keygate_test';
const ADMIN_URL = process.env.KEYGATE_TEST_POSTGRES_URL ?? `postgres://${ROLE}:${PASSWORD}@127.0.0.1:5432/postgres`;
export const REDIS_URL = process.env.KEYGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, '127.0.0.1');
  });
}

async function waitFor(port: number, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await reachable(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not start listening on 127.0.0.1:${port}`);
}

export type TestService = 'postgres' | 'redis';

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why `service` cannot be had on this machine, or undefined: it answers already, or this file can start it. */
async function whyMissing(service: TestService): Promise<string | undefined> {
  if (service === 'postgres') {
    if (process.env.KEYGATE_TEST_POSTGRES_URL || (await reachable(5432))) return undefined;
    if (!existsSync(POSTGRES_SERVER)) return `PostgreSQL 15 is not installed (no ${POSTGRES_SERVER}) and KEYGATE_TEST_POSTGRES_URL is not set`;
    if (!onPath('pg_ctlcluster') || !onPath('runuser')) return 'pg_ctlcluster or runuser is missing, so the PostgreSQL 15 cluster cannot be started';
    if (process.getuid?.() !== 0)
      return 'starting the PostgreSQL 15 cluster takes root (pg_ctlcluster, runuser -u postgres); set KEYGATE_TEST_POSTGRES_URL instead';
    return undefined;
  }
  if (process.env.KEYGATE_TEST_REDIS_URL || (await reachable(6379))) return undefined;
  if (!onPath('redis-server')) return 'redis-server is not installed and KEYGATE_TEST_REDIS_URL is not set';
  return undefined;
}

const missing = new Map<TestService, Promise<string | undefined>>();

/**
 * Why tests that need `services` cannot run here, or undefined when they can (each answers, or
 * can be started as below). Under KEYGATE_TEST_REQUIRE_SERVICES=1 (.ci/run sets it: CI installs
 * them) a missing service rejects instead, so that those tests fail rather than skip.
 */
export async function missingServices(...services: TestService[]): Promise<string | undefined> {
  const reasons = await Promise.all(
    services.map((service) => {
      if (!missing.has(service)) missing.set(service, whyMissing(service));
      return missing.get(service)!;
    }),
  );
  const reason = reasons.filter(Boolean).join('; ') || undefined;
  if (reason && process.env.KEYGATE_TEST_REQUIRE_SERVICES === '1') throw new Error(`KEYGATE_TEST_REQUIRE_SERVICES=1, but ${reason}`);
  return reason;
}

/** Starts Debian's PostgreSQL 15 cluster if needed and makes sure the test role exists. */
async function startPostgres(): Promise<void> {
  if (process.env.KEYGATE_TEST_POSTGRES_URL) return;
  if (!(await reachable(5432))) {
    // The package normally creates the cluster; an image built without it gets one here.
    // (Another test process may be creating it at the same moment: then its existence is enough.)
    try {
      if (!existsSync(CLUSTER_CONFIG)) execFileSync('pg_createcluster', ['15', 'main'], { stdio: 'pipe' });
    } catch (error) {
      if (!existsSync(CLUSTER_CONFIG)) throw error;
    }
    // Several test files may race to start it; a second start fails harmlessly.
    try {
      execFileSync('pg_ctlcluster', ['15', 'main', 'start'], { stdio: 'pipe' });
    } catch {}
    await waitFor(5432, 'PostgreSQL');
  }
  // Superuser, on this local test cluster only: dropping a test database WITH (FORCE) must
  // also end an autovacuum worker that happens to be in it, which a plain owner may not.
  const sql = `DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN
      CREATE ROLE ${ROLE} LOGIN SUPERUSER PASSWORD '${PASSWORD}';
    END IF;
    ALTER ROLE ${ROLE} SUPERUSER;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
  END $$;`;
  execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { stdio: 'pipe' });
}

let postgresReady: Promise<void> | undefined;

/** A new, empty PostgreSQL database for one test file; `drop` removes it. */
export async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  postgresReady ??= startPostgres();
  await postgresReady;
  const name = `keygate_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropPostgres(url.toString()) };
}

/** Drops a database `freshPostgres` made, closing its connections. */
export async function dropPostgres(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  if (!/^keygate_test_[0-9a-f]+$/.test(name)) throw new Error(`not a test database: ${name}`);
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** A loopback port free at this moment. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

export interface PrivatePostgres {
  /** Of its `postgres` database; `freshPostgres`'s databases are on the shared cluster, not here. */
  url: string;
  /**
   * A fast shutdown, as `pg_ctlcluster stop` does: sessions are ended with 57P01, then the port
   * closes. Asynchronous, so that servers in this process keep answering meanwhile.
   */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it at once and removes its files. */
  destroy(): void;
}

/**
 * A PostgreSQL cluster of its own, in a temporary directory, on a loopback port of its own:
 * a test may stop and restart it without disturbing the test files that share the main
 * cluster. Needs Debian's PostgreSQL 15 binaries and root (the server runs as `postgres`).
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'keygate-pg-'));
  const data = join(dir, 'data');
  const command = (program: string, args: string[]) => ['-u', 'postgres', '--', join(POSTGRES_BIN, program), ...args];
  const asPostgres = async (program: string, args: string[]) => void (await promisify(execFile)('runuser', command(program, args), { cwd: dir }));
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c full_page_writes=off`;
  const start = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
    await waitFor(port, 'the private PostgreSQL');
  };
  const destroy = () => {
    try {
      execFileSync('runuser', command('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']), { stdio: 'pipe', cwd: dir });
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    chownSync(dir, ...postgresIds());
    // Trust on loopback: a throwaway cluster that lives as long as one test file.
    await asPostgres('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
    await start();
  } catch (error) {
    destroy();
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    start,
    destroy,
  };
}

function postgresIds(): [number, number] {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
  return [id('-u'), id('-g')];
}

let redisReady: Promise<void> | undefined;

/** Starts a local Redis if none answers on 6379. */
export async function ensureRedis(): Promise<string> {
  redisReady ??= (async () => {
    if (process.env.KEYGATE_TEST_REDIS_URL || (await reachable(6379))) return;
    try {
      execFileSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no'], { stdio: 'pipe' });
    } catch {}
    await waitFor(6379, 'Redis');
  })();
  await redisReady;
  return REDIS_URL;
}

/** A key prefix of its own for one test, so tests sharing a Redis never see each other's counters. */
export function freshRedisPrefix(): string {
  return `{keygate-test:${randomBytes(6).toString('hex')}}:`;
}

/**
 * A Redis Cluster of three masters on loopback ports of its own, in a temporary directory;
 * `stop` ends its servers and removes their files.
 */
export async function startRedisCluster(ports: readonly number[]): Promise<{ url: string; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-redis-cluster-'));
  const stop = () => {
    for (const port of ports) {
      try {
        execFileSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { stdio: 'pipe' });
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      execFileSync(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--daemonize',
          'yes',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        { stdio: 'pipe' },
      );
    }
    for (const port of ports) await waitFor(port, `Redis Cluster node ${port}`);
    execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      stdio: 'pipe',
    });
    // Slots are assigned at once, but each node learns the others' through the cluster bus.
    for (let attempt = 0; ; attempt++) {
      const info = execFileSync('redis-cli', ['-p', String(ports[0]), 'cluster', 'info'], { encoding: 'utf8' });
      if (info.includes('cluster_state:ok')) break;
      if (attempt > 100) throw new Error(`Redis Cluster did not become ready:\n${info}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    stop();
    throw error;
  }
  return { url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`, stop };
}
