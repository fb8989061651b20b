import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import BetterSqlite3 from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import type { IssuedKey, NewKeyInput } from '../src/core/api-keys.js';
import type { Services } from '../src/core/services.js';
import { buildApp } from '../src/http/app.js';
import { ManualClock } from '../src/lib/clock.js';
import { createLogger } from '../src/logger.js';
import { openKeygate } from '../src/runtime.js';
import { RedisClients } from './redis-clients.js';
import { dropPostgres, ensureRedis, freshPostgres, freshRedisPrefix } from './services.js';

export interface CallOptions {
  /** Sent as `Authorization: Bearer <key>`. */
  key?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * An answer as received. `Body` is the success answer's type from src/http/responses.ts when
 * the caller names it (`call<RestSiteList>(...)`); untyped (`any`) otherwise, as refusals and
 * raw-protocol tests read whatever came.
 */
export interface CallResult<Body = any> {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  body: Body;
}

export interface TestServer {
  url: string;
  services: Services;
  clock: ManualClock;
  /** Every log line the server wrote, as JSON text. */
  logs: string[];
  /** Every response body received through `call`. */
  responses: string[];
  dataDir: string;
  /** The storage and Redis settings of this server: what a CLI or a second instance needs to share its data. */
  env: Record<string, string>;
  app: FastifyInstance;
  /** Every row of these tables, as JSON text: what is stored at rest, whichever the database. */
  tableRows(tables: string[]): Promise<string>;
  call<Body = any>(path: string, options?: CallOptions): Promise<CallResult<Body>>;
  newAccount(options?: { plan?: string; email?: string }): Promise<string>;
  newKey(accountId: string, input?: Partial<NewKeyInput>): Promise<IssuedKey>;
  close(): Promise<void>;
}

let accounts = 0;

export interface TestServerOptions {
  /** Variables of SPEC §8. */
  env?: Record<string, string>;
  clock?: ManualClock;
  /** Plans in PLANS_FILE's format, written to a file the server reads. */
  plans?: Record<string, Record<string, number | null>>;
  /** Reuse this directory (a restart); the caller then owns it and `close` leaves it. */
  dataDir?: string;
  /** Where the built dashboard is looked for, instead of the package's web/dist. */
  webRoot?: string;
}

/** Under KEYGATE_TEST_BACKEND=postgres the suite runs scaled out, on PostgreSQL and Redis. */
const SCALED_OUT = process.env.KEYGATE_TEST_BACKEND === 'postgres';

/**
 * The PostgreSQL database and Redis prefix of a data directory, kept in it so that a server
 * restarted on the same directory finds the same data. Empty on the embedded default.
 */
async function backendEnv(dataDir: string): Promise<Record<string, string>> {
  if (!SCALED_OUT) return {};
  const file = join(dataDir, 'test-backend.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const env = { DATABASE_URL: (await freshPostgres()).url, REDIS_URL: await ensureRedis(), REDIS_KEY_PREFIX: freshRedisPrefix() };
  writeFileSync(file, JSON.stringify(env));
  return env;
}

async function readTables(env: Record<string, string>, dataDir: string, tables: string[]): Promise<string> {
  if (env.DATABASE_URL?.startsWith('postgres')) {
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      const rows = [];
      for (const table of tables) rows.push((await client.query(`select * from ${table}`)).rows);
      return JSON.stringify(rows);
    } finally {
      await client.end();
    }
  }
  const db = new BetterSqlite3(join(dataDir, 'keygate.db'), { readonly: true });
  try {
    return JSON.stringify(tables.map((table) => db.prepare(`select * from ${table}`).all()));
  } finally {
    db.close();
  }
}

/**
 * A real Keygate server listening on 127.0.0.1 with its own SQLite file in a temporary
 * directory (or, scaled out, its own PostgreSQL database and Redis prefix), a manual clock
 * and captured logs. Servers given the same `env` share their data, as instances do.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'keygate-test-'));
  // A server given another's DATABASE_URL shares that database (a second instance) and leaves it be.
  const backend = options.env?.DATABASE_URL === undefined ? await backendEnv(dataDir) : {};
  // Every test signs up from 127.0.0.1: the sign-up throttle is the concern of the tests that set it.
  const env: Record<string, string> = { DATA_DIR: dataDir, SIGNUP_IP_LIMIT: '1000', ...backend, ...options.env };
  if (options.plans) {
    env.PLANS_FILE = join(dataDir, 'plans.json');
    writeFileSync(env.PLANS_FILE, JSON.stringify(options.plans));
  }
  const config = loadConfig(env, dataDir);
  const clock = options.clock ?? new ManualClock(Date.now());
  const logs: string[] = [];
  const responses: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger('trace', sink);
  const services = await openKeygate(config, { clock, logger });
  const app = await buildApp({ services, config, logger, ...(options.webRoot !== undefined && { webRoot: options.webRoot }) });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  // As main.ts does; the watchers scan on a test's call (scanNow), when its manual clock says so.
  services.webhookDispatcher.start();

  return {
    url: address,
    services,
    clock,
    logs,
    responses,
    dataDir,
    env: { DATA_DIR: dataDir, ...Object.fromEntries(Object.entries(env).filter(([name]) => ['DATABASE_URL', 'REDIS_URL', 'REDIS_KEY_PREFIX'].includes(name))) },
    app,
    tableRows: (tables) => readTables(env, dataDir, tables),
    async call(path, { key, method = 'GET', headers = {}, body } = {}) {
      const response = await fetch(address + path, {
        method,
        headers: { ...(key !== undefined && { authorization: `Bearer ${key}` }), ...headers },
        ...(body !== undefined && { body }),
      });
      const text = await response.text();
      responses.push(text);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, text, body: parsed as never };
    },
    async newAccount({ plan = 'free', email = `user${++accounts}-${process.pid}-${Date.now()}@example.com` } = {}) {
      return (await services.accounts.createAccount({ email, password: 'correct horse battery', plan })).accountId;
    },
    newKey(accountId, input = {}) {
      return services.keys.createKey(accountId, { name: `key ${Math.random().toString(36).slice(2, 10)}`, ...input });
    },
    async close() {
      await app.close();
      await services.close();
      if (!ownsDataDir) return;
      rmSync(dataDir, { recursive: true, force: true });
      if (backend.DATABASE_URL) await dropPostgres(backend.DATABASE_URL);
      if (backend.REDIS_KEY_PREFIX) {
        const redis = new RedisClients();
        await redis.flush(backend.REDIS_KEY_PREFIX).finally(() => redis.closeAll());
      }
    },
  };
}
