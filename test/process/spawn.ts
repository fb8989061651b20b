import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** Helpers for tests that run the built artefacts (`bin/keygate.js`, `dist/main.js`) as child processes. */

export const REPO = resolve(fileURLToPath(import.meta.url), '../../..');
export const CLI_PATH = join(REPO, 'bin/keygate.js');
export const SERVER_PATH = join(REPO, 'dist/main.js');

/** Configuration variables of SPEC §8: never inherited from the shell running the tests. */
const KEYGATE_VARIABLES = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'DATABASE_URL',
  'REDIS_URL',
  'TRUST_PROXY',
  'AUTH_FAIL_LIMIT',
  'AUTH_FAIL_WINDOW_S',
  'AUTH_BLOCK_S',
  'PLANS_FILE',
  'LOG_LEVEL',
  'WEBHOOK_RETRY_SCHEDULE_S',
  'WEBHOOK_ALLOW_PRIVATE',
  'WEBHOOK_TIMEOUT_MS',
  'HEADERS_TIMEOUT_MS',
  'REQUEST_TIMEOUT_MS',
  'KEEP_ALIVE_TIMEOUT_MS',
  'IDLE_TIMEOUT_MS',
  'MAX_CONNECTIONS',
  'SHUTDOWN_GRACE_MS',
];

/** The test runner's environment without any Keygate variable, plus `vars`. */
export function childEnv(vars: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of KEYGATE_VARIABLES) delete env[name];
  return { ...env, ...vars };
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunResult extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs `node <script> ...args` to completion (at most `timeoutMs`). */
export function runNode(script: string, args: string[], options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [script, ...args],
      { env: childEnv(options.env), cwd: options.cwd ?? tmpdir(), timeout: options.timeoutMs ?? 20_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const failure = error as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
        const code = failure ? (typeof failure.code === 'number' ? failure.code : null) : 0;
        done({ code, signal: failure?.signal ?? null, stdout, stderr });
      },
    );
  });
}

/** Asserts `text` is exactly one line holding one JSON object, and returns it. */
export function oneJsonObject(text: string): Record<string, any> {
  expect(text.endsWith('\n'), `output ends with a newline: ${JSON.stringify(text)}`).toBe(true);
  expect(text.slice(0, -1)).not.toContain('\n');
  const parsed: unknown = JSON.parse(text);
  expect(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed), `a JSON object: ${text}`).toBe(true);
  return parsed as Record<string, any>;
}

export function expectNoStackTrace(text: string): void {
  expect(text).not.toMatch(/^\s+at /m);
  expect(text).not.toMatch(/\(?(?:file:\/\/|\/)\S+\.[cm]?[jt]s:\d+:\d+\)?/);
}

/** The admin CLI bound to one configuration. */
export interface Cli {
  run(...args: string[]): Promise<RunResult>;
  /** Runs `keygate admin ...args`, asserts exit 0, silent stderr and one JSON object on stdout. */
  ok(...args: string[]): Promise<Record<string, any>>;
  /** Runs `keygate admin ...args`, asserts exit 1, silent stdout and `{"error","code"}` on stderr. */
  refused(...args: string[]): Promise<{ error: string; code: string }>;
}

export function adminCli(env: Record<string, string>, cwd?: string): Cli {
  const run = (...args: string[]) => runNode(CLI_PATH, args, { env, ...(cwd !== undefined && { cwd }) });
  return {
    run,
    async ok(...args) {
      const result = await run('admin', ...args);
      expect(result.stderr, `stderr of admin ${args.join(' ')}`).toBe('');
      expect(result.code).toBe(0);
      return oneJsonObject(result.stdout);
    },
    async refused(...args) {
      const result = await run('admin', ...args);
      expect(result.stdout, `stdout of admin ${args.join(' ')}`).toBe('');
      expect(result.code).toBe(1);
      const refusal = oneJsonObject(result.stderr);
      expect(Object.keys(refusal).sort()).toEqual(['code', 'error']);
      expect(typeof refusal.error).toBe('string');
      expectNoStackTrace(result.stderr);
      return refusal as { error: string; code: string };
    },
  };
}

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the server wrote to stdout (JSON log lines) so far. */
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  /** Sends `signal` (SIGTERM by default) and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Resolves when `read()` matches `pattern`; rejects after `timeoutMs` or when `exited` settles first. */
export async function waitForOutput(read: () => string, pattern: RegExp, exited: Promise<Exit>, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  let ended: Exit | undefined;
  void exited.then((exit) => (ended = exit));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = read().match(pattern);
    if (match) return match;
    if (ended) throw new Error(`process exited (${JSON.stringify(ended)}) before printing ${pattern}; output:\n${read()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${read()}`);
    await new Promise((tick) => setTimeout(tick, 20));
  }
}

async function waitForHealthy(url: string, exited: Promise<Exit>, timeoutMs = 15_000): Promise<void> {
  let ended = false;
  void exited.then(() => (ended = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (ended) throw new Error(`server exited before ${url}/healthz answered`);
    const status = await fetch(`${url}/healthz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url}/healthz did not answer 200 within ${timeoutMs} ms`);
    await new Promise((tick) => setTimeout(tick, 25));
  }
}

/**
 * Processes and directories created by one test file, removed by `cleanup()` (call it from
 * afterEach/afterAll: it kills what is still running, whatever the outcome of the test).
 */
export class ProcessWorld {
  private readonly dirs: string[] = [];
  private readonly servers: ServerProcess[] = [];

  tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-proc-'));
    this.dirs.push(dir);
    return dir;
  }

  /**
   * Spawns `node dist/main.js` on 127.0.0.1 (PORT=0 unless `env` sets it, or `useEnvPort`
   * leaves it to `.env`), then waits until the port its first log line names answers
   * `/healthz` on 127.0.0.1.
   */
  async startServer(options: { env?: Record<string, string>; cwd?: string; useEnvPort?: boolean } = {}): Promise<ServerProcess> {
    const env = childEnv({ HOST: '127.0.0.1', LOG_LEVEL: 'info', ...(!options.useEnvPort && { PORT: '0' }), ...options.env });
    const child = spawn(process.execPath, [SERVER_PATH], { env, cwd: options.cwd ?? this.tempDir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const exited = new Promise<Exit>((done) => child.once('exit', (code, signal) => done({ code, signal })));
    const server: ServerProcess = {
      url: '',
      port: 0,
      child,
      stdout: () => out,
      stderr: () => err,
      exited,
      async stop(signal = 'SIGTERM') {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
    this.servers.push(server);
    const [, port] = await waitForOutput(() => out + err, /Keygate listening — dashboard at http:\/\/(?:\[[^\]]+\]|[^:/]+):(\d+)\//, exited);
    server.port = Number(port);
    server.url = `http://127.0.0.1:${port}`;
    await waitForHealthy(server.url, exited);
    return server;
  }

  async cleanup(): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all(servers.map((server) => server.stop('SIGKILL')));
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** `fetch` with an optional Bearer key, returning status and parsed JSON body. */
export async function callApi(url: string, key?: string, init: RequestInit = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (key !== undefined) headers.set('authorization', `Bearer ${key}`);
  const response = await fetch(url, { ...init, headers });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body, headers: response.headers };
}

let emails = 0;

/** An email address no other test uses. */
export function uniqueEmail(): string {
  return `owner${++emails}-${process.pid}-${Date.now()}@example.com`;
}
