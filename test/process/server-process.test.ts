import { existsSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSocket, parseResponse, readUntilClosed } from '../http/raw-http.js';
import { adminCli, type Cli, callApi, expectNoStackTrace, freePort, ProcessWorld, runNode, SERVER_PATH, uniqueEmail, waitForOutput } from './spawn.js';

const world = new ProcessWorld();
afterEach(() => world.cleanup());

async function accountWithKey(cli: Cli): Promise<{ account: string; keyId: string; key: string }> {
  const { account_id: account } = await cli.ok('create-account', '--email', uniqueEmail(), '--password', 'correct horse battery');
  const { id, key } = await cli.ok('create-key', '--account', account, '--name', 'Production Server');
  return { account, keyId: id, key };
}

function tableNames(path: string): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[];
  } finally {
    db.close();
  }
}

describe('server start-up and configuration', () => {
  it('creates and migrates the database in DATA_DIR on first start', async () => {
    const dataDir = join(world.tempDir(), 'not', 'yet', 'there');
    const server = await world.startServer({ env: { DATA_DIR: dataDir } });
    expect((await callApi(`${server.url}/readyz`)).status).toBe(200);
    expect(tableNames(join(dataDir, 'keygate.db'))).toEqual(expect.arrayContaining(['accounts', 'users', 'sites', 'api_keys']));
    const { key } = await accountWithKey(adminCli({ DATA_DIR: dataDir }));
    expect((await callApi(`${server.url}/api/v1/sites`, key)).body).toEqual({ sites: [] });
  });

  it('uses the file named by DATABASE_URL=sqlite:<path> instead of DATA_DIR', async () => {
    const dataDir = world.tempDir();
    const databasePath = join(world.tempDir(), 'elsewhere.db');
    const env = { DATA_DIR: dataDir, DATABASE_URL: `sqlite:${databasePath}` };
    const server = await world.startServer({ env });
    const { key } = await accountWithKey(adminCli(env));
    expect((await callApi(`${server.url}/api/v1/sites`, key)).status).toBe(200);
    expect(existsSync(databasePath)).toBe(true);
    expect(existsSync(join(dataDir, 'keygate.db'))).toBe(false);
  });

  it('says where to open the dashboard in its first log line, on the configured host and port', async () => {
    const port = await freePort();
    const server = await world.startServer({ env: { DATA_DIR: world.tempDir(), PORT: String(port) } });
    const [first] = server.stdout().split('\n');
    expect(JSON.parse(first!)).toMatchObject({ level: 30, msg: `Keygate listening — dashboard at http://127.0.0.1:${port}/` });
    const dashboard = await fetch(`http://127.0.0.1:${port}/`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it("names localhost as the dashboard's address when listening on every interface, and the port it was given", async () => {
    const server = await world.startServer({ env: { DATA_DIR: world.tempDir(), HOST: '0.0.0.0' } });
    const [first] = server.stdout().split('\n');
    expect(JSON.parse(first!).msg).toBe(`Keygate listening — dashboard at http://localhost:${server.port}/`);
  });

  it('takes PORT from a .env file in the working directory', async () => {
    const cwd = world.tempDir();
    const port = await freePort();
    writeFileSync(join(cwd, '.env'), `PORT=${port}\nDATA_DIR=./from-dotenv\n`);
    const server = await world.startServer({ cwd, useEnvPort: true, env: {} });
    expect(server.port).toBe(port);
    expect(existsSync(join(cwd, 'from-dotenv', 'keygate.db'))).toBe(true);
  });

  it('lets the real environment win over .env', async () => {
    const cwd = world.tempDir();
    const [dotenvPort, realPort] = [await freePort(), await freePort()];
    writeFileSync(join(cwd, '.env'), `PORT=${dotenvPort}\n`);
    const server = await world.startServer({ cwd, env: { PORT: String(realPort), DATA_DIR: world.tempDir() } });
    expect(server.port).toBe(realPort);
    expect((await callApi(`${server.url}/healthz`)).status).toBe(200);
    await expect(fetch(`http://127.0.0.1:${dotenvPort}/healthz`)).rejects.toThrow();
  });

  it('exits 1 with a one-line message and no stack trace for a bad PORT', async () => {
    const result = await runNode(SERVER_PATH, [], { env: { PORT: 'abc', DATA_DIR: world.tempDir() } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^keygate: PORT must be a whole number from 0 to 65535, got "abc"\n$/);
    expectNoStackTrace(result.stderr);
  });

  it('exits 1 with one clear line, never echoing a password, when PostgreSQL or Redis cannot be reached', async () => {
    const cases: Array<{ env: Record<string, string>; message: RegExp }> = [
      {
        env: { DATABASE_URL: 'postgres://keygate:s3cret-pw@127.0.0.1:1/keygate' },
        message: /^keygate: PostgreSQL \(DATABASE_URL\) could not be opened: connect ECONNREFUSED 127\.0\.0\.1:1\n$/,
      },
      {
        env: { REDIS_URL: 'redis://:s3cret-pw@127.0.0.1:1' },
        message: /^keygate: Redis \(REDIS_URL\) is not reachable: connect ECONNREFUSED 127\.0\.0\.1:1\n$/,
      },
    ];
    for (const { env, message } of cases) {
      const result = await runNode(SERVER_PATH, [], { env: { PORT: '0', DATA_DIR: world.tempDir(), LOG_LEVEL: 'silent', ...env } });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr + result.stdout).not.toContain('s3cret-pw');
      expectNoStackTrace(result.stderr);
    }
  });
});

/** The server stamps last_used_at when a key passes authentication, before it reads the body. */
async function waitUntilUsed(databasePath: string, keyId: string): Promise<void> {
  const db = new Database(databasePath, { readonly: true });
  try {
    const lastUsed = db.prepare('SELECT last_used_at FROM api_keys WHERE id = ?').pluck();
    for (let attempt = 0; attempt < 400; attempt++) {
      if (lastUsed.get(keyId) !== null) return;
      await new Promise((resume) => setTimeout(resume, 25));
    }
    throw new Error(`key ${keyId} was never authenticated`);
  } finally {
    db.close();
  }
}

describe('server lifecycle', () => {
  it('finishes a request still in flight on SIGTERM, refuses new connections, then exits 0', async () => {
    const dataDir = world.tempDir();
    const server = await world.startServer({ env: { DATA_DIR: dataDir } });
    const { keyId, key } = await accountWithKey(adminCli({ DATA_DIR: dataDir }));

    // A revocation whose body is still arriving: the server has the request but cannot answer yet.
    const body = '{}';
    let answered: (answer: { status: number; text: string }) => void = () => {};
    const response = new Promise<{ status: number; text: string }>((done) => (answered = done));
    const inFlight = request(
      `${server.url}/api/v1/api-keys/${keyId}`,
      { method: 'DELETE', agent: false, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': body.length } },
      (incoming) => {
        let text = '';
        incoming
          .setEncoding('utf8')
          .on('data', (chunk: string) => (text += chunk))
          .on('end', () => answered({ status: incoming.statusCode ?? 0, text }));
      },
    );
    const failed = new Promise<never>((_, fail) => inFlight.on('error', fail));
    failed.catch(() => undefined); // reported through Promise.race below, if the test gets that far
    inFlight.write(body.slice(0, 1));
    await waitUntilUsed(join(dataDir, 'keygate.db'), keyId);

    server.child.kill('SIGTERM');
    await waitForOutput(server.stdout, /shutting down/, server.exited);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    expect(server.child.exitCode).toBeNull();

    inFlight.end(body.slice(1));
    const answer = await Promise.race([response, failed]);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ id: keyId, revoked: true });
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  it('cuts a request still stalled after SHUTDOWN_GRACE_MS, answers the one that completes, commits its log row, and exits 0', async () => {
    const dataDir = world.tempDir();
    // Only the drain can cut the stalled request: the request timeouts are far longer.
    const server = await world.startServer({
      env: { DATA_DIR: dataDir, SHUTDOWN_GRACE_MS: '1500', HEADERS_TIMEOUT_MS: '600000', REQUEST_TIMEOUT_MS: '600000' },
    });
    const cli = adminCli({ DATA_DIR: dataDir });
    const { account, keyId, key } = await accountWithKey(cli);
    const stalledKey = await cli.ok('create-key', '--account', account, '--name', 'Stalled');
    const revocation = (id: string, secret: string) =>
      `DELETE /api/v1/api-keys/${id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${secret}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{`;
    const [finishing, stalled] = [await openSocket(server.url), await openSocket(server.url)];
    const [finished, cut] = [readUntilClosed(finishing), readUntilClosed(stalled)];
    finishing.write(revocation(keyId, key));
    stalled.write(revocation(stalledKey.id, stalledKey.key));
    await waitUntilUsed(join(dataDir, 'keygate.db'), keyId);
    await waitUntilUsed(join(dataDir, 'keygate.db'), stalledKey.id);

    server.child.kill('SIGTERM');
    await waitForOutput(server.stdout, /shutting down/, server.exited);
    finishing.write('}');
    expect(parseResponse(await finished)).toMatchObject({ status: 200, body: { id: keyId, revoked: true } });
    const exit = await Promise.race([server.exited, new Promise((done) => setTimeout(() => done('still running 15 s after SIGTERM'), 15_000))]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await cut).toBe('');
    expect(server.stdout()).toMatch(/shutdown grace over/);
    const logged = await cli.ok('logs', '--key', keyId);
    expect(logged.logs.map((row: { method: string; status: number }) => [row.method, row.status])).toEqual([['DELETE', 200]]);
  });

  it('keeps accounts and keys across a restart', async () => {
    const dataDir = world.tempDir();
    const first = await world.startServer({ env: { DATA_DIR: dataDir } });
    const cli = adminCli({ DATA_DIR: dataDir });
    const { account, keyId, key } = await accountWithKey(cli);
    const site = await cli.ok('create-site', '--account', account, '--domain', 'example.com');
    expect((await callApi(`${first.url}/api/v1/sites`, key)).status).toBe(200);
    expect(await first.stop()).toEqual({ code: 0, signal: null });

    const second = await world.startServer({ env: { DATA_DIR: dataDir } });
    expect((await callApi(`${second.url}/api/v1/sites`, key)).body).toEqual({ sites: [site] });
    const listed = await callApi(`${second.url}/api/v1/api-keys`, key);
    expect(listed.body.api_keys).toEqual([expect.objectContaining({ id: keyId, active: true, last_used_at: expect.any(String) })]);
  });
});

describe('operation endpoints', () => {
  it('answers /healthz and /readyz with 200', async () => {
    const server = await world.startServer({ env: { DATA_DIR: world.tempDir() } });
    expect(await callApi(`${server.url}/healthz`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await callApi(`${server.url}/readyz`)).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('serves an OpenAPI 3.1 document listing the REST API, and HTML reference at /docs', async () => {
    const server = await world.startServer({ env: { DATA_DIR: world.tempDir() } });
    const { status, body } = await callApi(`${server.url}/openapi.json`);
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\.1\.\d+$/);
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/api/v1/sites', '/api/v1/sites/{id}', '/api/v1/api-keys', '/api/v1/api-keys/{id}']));
    const docs = await fetch(`${server.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await docs.text()).toMatch(/<html/i);
  });
});
