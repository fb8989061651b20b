import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_RETRY_SCHEDULE_S, loadConfig } from './config.js';

const emptyDir = () => mkdtempSync(join(tmpdir(), 'keygate-config-'));

describe('configuration', () => {
  it('defaults to port 3000 on all interfaces with SQLite in ./data', () => {
    const cwd = emptyDir();
    const config = loadConfig({}, cwd);
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      dataDir: join(cwd, 'data'),
      storage: { kind: 'sqlite', path: join(cwd, 'data', 'keygate.db') },
    });
    expect(config).toMatchObject({ authFailLimit: 10, authFailWindowSeconds: 60, authBlockSeconds: 900, trustProxy: [], logLevel: 'info' });
    expect(config.collectLimits).toEqual({ sitePerSecond: 100, ipPerSecond: 20 });
    expect(loadConfig({ COLLECT_SITE_PER_SECOND: '5', COLLECT_IP_PER_SECOND: '2' }, cwd).collectLimits).toEqual({ sitePerSecond: 5, ipPerSecond: 2 });
    expect(() => loadConfig({ COLLECT_IP_PER_SECOND: '0' }, cwd)).toThrow(/COLLECT_IP_PER_SECOND/);
    expect(config).toMatchObject({ signupIpLimit: 10, signupIpWindowSeconds: 3600 });
    expect(loadConfig({ SIGNUP_IP_LIMIT: '3', SIGNUP_IP_WINDOW_S: '60' }, cwd)).toMatchObject({ signupIpLimit: 3, signupIpWindowSeconds: 60 });
    expect(() => loadConfig({ SIGNUP_IP_LIMIT: '0' }, cwd)).toThrow(/SIGNUP_IP_LIMIT/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads one Redis or a Redis Cluster, and keeps every key under a hash-tagged prefix', () => {
    const cwd = emptyDir();
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }, cwd).redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      cluster: undefined,
      keyPrefix: '{keygate}:',
    });
    expect(loadConfig({ REDIS_URL: 'redis://h', REDIS_KEY_PREFIX: 'acme:' }, cwd).redis?.keyPrefix).toBe('{acme:}');
    expect(loadConfig({ REDIS_URL: 'redis://h', REDIS_KEY_PREFIX: 'acme:{eu}:' }, cwd).redis?.keyPrefix).toBe('acme:{eu}:');
    expect(loadConfig({ REDIS_URL: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7001' }, cwd).redis?.cluster).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
    ]);
    expect(() => loadConfig({ REDIS_URL: 'redis+cluster://10.0.0.1' }, cwd)).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ REDIS_URL: 'http://h' }, cwd)).toThrow(/REDIS_URL/);
  });

  it('reads the webhook retry schedule, the private-address switch and the delivery timeout', () => {
    const cwd = emptyDir();
    expect(loadConfig({}, cwd).webhooks).toEqual({ retryScheduleSeconds: DEFAULT_RETRY_SCHEDULE_S, allowPrivate: false, timeoutMs: 10_000 });
    const twoDays = DEFAULT_RETRY_SCHEDULE_S.reduce((sum, seconds) => sum + seconds, 0);
    expect(twoDays).toBeGreaterThan(40 * 3600);
    expect(twoDays).toBeLessThan(56 * 3600);
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE_S: '1, 2,3', WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_TIMEOUT_MS: '500' }, cwd).webhooks).toEqual({
      retryScheduleSeconds: [1, 2, 3],
      allowPrivate: true,
      timeoutMs: 500,
    });
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE_S: '1,x' }, cwd)).toThrow(/WEBHOOK_RETRY_SCHEDULE_S/);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE_S: '0' }, cwd)).toThrow(/WEBHOOK_RETRY_SCHEDULE_S/);
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_MS: '20000' }, cwd)).toThrow(/WEBHOOK_TIMEOUT_MS/);
  });

  it('sets header, body and idle timeouts, a connection cap and a shutdown grace, each overridable', () => {
    const cwd = emptyDir();
    expect(loadConfig({}, cwd).server).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      idleTimeoutMs: 60_000,
      maxConnections: 10_000,
      shutdownGraceMs: 10_000,
    });
    expect(loadConfig({ HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000', MAX_CONNECTIONS: '50', SHUTDOWN_GRACE_MS: '0' }, cwd).server).toMatchObject({
      headersTimeoutMs: 1000,
      requestTimeoutMs: 2000,
      maxConnections: 50,
      shutdownGraceMs: 0,
    });
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '1000' }, cwd)).toThrow(
      /HEADERS_TIMEOUT_MS must not be more than REQUEST_TIMEOUT_MS/,
    );
    expect(() => loadConfig({ MAX_CONNECTIONS: '0' }, cwd)).toThrow(/MAX_CONNECTIONS/);
  });

  it('honours DATA_DIR, DATABASE_URL and the auth-failure settings', () => {
    const cwd = emptyDir();
    expect(loadConfig({ DATA_DIR: '/tmp/x' }, cwd).storage).toEqual({ kind: 'sqlite', path: '/tmp/x/keygate.db' });
    expect(loadConfig({ DATABASE_URL: 'sqlite:db/k.sqlite' }, cwd).storage).toEqual({ kind: 'sqlite', path: join(cwd, 'db/k.sqlite') });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }, cwd).storage).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' });
    expect(loadConfig({ AUTH_FAIL_LIMIT: '3', AUTH_FAIL_WINDOW_S: '5', AUTH_BLOCK_S: '7', TRUST_PROXY: '10.0.0.0/8, ::1' }, cwd)).toMatchObject({
      authFailLimit: 3,
      authFailWindowSeconds: 5,
      authBlockSeconds: 7,
      trustProxy: ['10.0.0.0/8', '::1'],
    });
  });

  it('takes KEY_PREFIX and the secret-scanning key URLs, refusing malformed ones', () => {
    const cwd = emptyDir();
    expect(loadConfig({}, cwd)).toMatchObject({
      keyPrefix: 'sk',
      secretScanning: { githubKeysUrl: 'https://api.github.com/meta/public_keys/secret_scanning', gitlabKeysUrl: undefined },
    });
    const custom = loadConfig(
      { KEY_PREFIX: 'acme', SECRET_SCANNING_GITHUB_KEYS_URL: 'http://127.0.0.1:9/gh', SECRET_SCANNING_GITLAB_KEYS_URL: 'https://gitlab.example/keys' },
      cwd,
    );
    expect(custom).toMatchObject({
      keyPrefix: 'acme',
      secretScanning: { githubKeysUrl: 'http://127.0.0.1:9/gh', gitlabKeysUrl: 'https://gitlab.example/keys' },
    });
    for (const bad of ['a', '9acme', 'Acme', 'ac_me', 'a23456789012x']) expect(() => loadConfig({ KEY_PREFIX: bad }, cwd), bad).toThrow(/KEY_PREFIX/);
    expect(() => loadConfig({ SECRET_SCANNING_GITLAB_KEYS_URL: 'file:///etc/passwd' }, cwd)).toThrow(/SECRET_SCANNING_GITLAB_KEYS_URL/);
  });

  it('takes the OAuth issuer without a trailing slash and the token issuance limit', () => {
    const cwd = emptyDir();
    expect(loadConfig({}, cwd).oauth).toEqual({ issuer: undefined, tokensPerMinute: 20 });
    expect(loadConfig({ OAUTH_ISSUER: 'https://api.example.com/', OAUTH_TOKENS_PER_MINUTE: '5' }, cwd).oauth).toEqual({
      issuer: 'https://api.example.com',
      tokensPerMinute: 5,
    });
    expect(loadConfig({ OAUTH_ISSUER: 'https://example.com/keygate' }, cwd).oauth.issuer).toBe('https://example.com/keygate');
  });

  it('reads .env for variables the environment does not set', () => {
    const cwd = emptyDir();
    writeFileSync(join(cwd, '.env'), 'PORT=4123\nLOG_LEVEL=debug\n# comment\n');
    expect(loadConfig({ LOG_LEVEL: 'warn' }, cwd)).toMatchObject({ port: 4123, logLevel: 'warn' });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be a whole number'],
    [{ PORT: '70000' }, 'PORT must be a whole number'],
    [{ AUTH_FAIL_LIMIT: '0' }, 'AUTH_FAIL_LIMIT'],
    [{ TRUST_PROXY: '10.0.0.0/40' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: 'proxy.local' }, 'TRUST_PROXY'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ OAUTH_ISSUER: 'api.example.com' }, 'OAUTH_ISSUER'],
    [{ OAUTH_ISSUER: 'https://api.example.com/?x=1' }, 'OAUTH_ISSUER'],
    [{ OAUTH_ISSUER: 'https://api.example.com/#top' }, 'OAUTH_ISSUER'],
    [{ OAUTH_ISSUER: 'ftp://api.example.com' }, 'OAUTH_ISSUER'],
    [{ OAUTH_TOKENS_PER_MINUTE: '0' }, 'OAUTH_TOKENS_PER_MINUTE'],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadConfig(env, emptyDir())).toThrow(ConfigError);
    expect(() => loadConfig(env, emptyDir())).toThrow(message);
  });
});
