import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../src/config.js';
import type { IssuedKey, NewKeyInput } from '../src/core/api-keys.js';
import type { Services } from '../src/core/services.js';
import { buildApp } from '../src/http/app.js';
import { ManualClock } from '../src/lib/clock.js';
import { createLogger } from '../src/logger.js';
import { openKeygate } from '../src/runtime.js';

export interface CallOptions {
  /** Sent as `Authorization: Bearer <key>`. */
  key?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  body: any;
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
  app: FastifyInstance;
  call(path: string, options?: CallOptions): Promise<CallResult>;
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

/**
 * A real Keygate server listening on 127.0.0.1 with its own SQLite file in a temporary
 * directory, a manual clock and captured logs.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'keygate-test-'));
  const env: Record<string, string> = { DATA_DIR: dataDir, ...options.env };
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
  const services = await openKeygate(config, clock);
  const app = await buildApp({ services, config, logger: createLogger('trace', sink), ...(options.webRoot !== undefined && { webRoot: options.webRoot }) });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });

  return {
    url: address,
    services,
    clock,
    logs,
    responses,
    dataDir,
    app,
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
      return { status: response.status, headers: response.headers, text, body: parsed };
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
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
