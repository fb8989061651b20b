import { existsSync, readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import type { CollectLimits } from './core/ports.js';
import { DEFAULT_KEY_PREFIX, KEY_PREFIX_PATTERN } from './lib/key-format.js';

export type StorageConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** How long the HTTP server waits on clients, how many it holds at once, and how long it drains on SIGTERM. */
export interface ServerLimits {
  /** Until a request's headers have all arrived (HEADERS_TIMEOUT_MS). */
  headersTimeoutMs: number;
  /** Until the whole request, body included, has arrived (REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection between requests (KEEP_ALIVE_TIMEOUT_MS). */
  keepAliveTimeoutMs: number;
  /** A connection on which nothing moves either way, even while a request is handled (IDLE_TIMEOUT_MS). */
  idleTimeoutMs: number;
  /** Open connections at once; more are closed on arrival and logged (MAX_CONNECTIONS). */
  maxConnections: number;
  /** On SIGTERM, how long in-flight requests may take before their connections are cut (SHUTDOWN_GRACE_MS). */
  shutdownGraceMs: number;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  storage: StorageConfig;
  /** Limiter counters, IP blocks and key-change signals shared by every instance (SPEC §8). */
  redis: RedisConfig | undefined;
  /** Proxies whose X-Forwarded-For is believed (SPEC §3). */
  trustProxy: readonly string[];
  authFailLimit: number;
  authFailWindowSeconds: number;
  authBlockSeconds: number;
  /** Sign-ups admitted per client IP within the window (SIGNUP_IP_LIMIT, SIGNUP_IP_WINDOW_S). */
  signupIpLimit: number;
  signupIpWindowSeconds: number;
  plansFile: string | undefined;
  logLevel: string;
  /** Tracking hits admitted per rolling second (SPEC §6). */
  collectLimits: Readonly<CollectLimits>;
  /** What this deployment's keys start with, before `_live_`/`_test_` (SPEC §2). */
  keyPrefix: string;
  /** Where the code hosts' secret-scanning public keys are published (SPEC §9); GitLab's endpoint exists only when set. */
  secretScanning: Readonly<{ githubKeysUrl: string; gitlabKeysUrl: string | undefined }>;
  /** Webhook delivery (SPEC §10). */
  webhooks: Readonly<WebhookConfig>;
  /** SPEC §11: the issuer the metadata names (OAUTH_ISSUER; else each request's origin) and tokens per key per rolling minute. */
  oauth: Readonly<{ issuer: string | undefined; tokensPerMinute: number }>;
  server: Readonly<ServerLimits>;
}

export interface WebhookConfig {
  /** Seconds to wait before each retry; a delivery is given up after the last (WEBHOOK_RETRY_SCHEDULE_S). */
  retryScheduleSeconds: readonly number[];
  /** Deliver to loopback and private addresses too (WEBHOOK_ALLOW_PRIVATE=1): for tests and closed networks. */
  allowPrivate: boolean;
  /** How long a receiver has to answer (WEBHOOK_TIMEOUT_MS; 10 s as SPEC §10 says, shorter only in tests). */
  timeoutMs: number;
}

/** 5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h: about two days from the first attempt to the last. */
export const DEFAULT_RETRY_SCHEDULE_S = [5, 300, 1800, 7200, 18_000, 36_000, 36_000, 36_000, 36_000];

function retrySchedule(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return DEFAULT_RETRY_SCHEDULE_S;
  const entries = raw.split(',').map((entry) => entry.trim());
  if (entries.length > 50 || !entries.every((entry) => /^\d{1,7}$/.test(entry) && Number(entry) >= 1)) {
    throw new ConfigError(`WEBHOOK_RETRY_SCHEDULE_S must be a comma list of up to 50 whole numbers of seconds from 1 to 9999999, got ${JSON.stringify(raw)}`);
  }
  return entries.map(Number);
}

export interface RedisConfig {
  /** One Redis (`redis://`, `rediss://`), or the seed nodes of a Redis Cluster (`redis+cluster://host:port,host:port`). */
  url: string;
  cluster: Array<{ host: string; port: number }> | undefined;
  /** Put before every key; it carries a hash tag (`{…}`), so a Redis Cluster keeps a deployment's keys in one slot. */
  keyPrefix: string;
}

/** A configuration value that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

function proxies(raw: string | undefined): string[] {
  const entries = (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const probe = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const version = isIP(address);
    const bits = prefix === undefined ? (version === 4 ? 32 : 128) : Number(prefix);
    if (version === 0 || !Number.isInteger(bits) || bits < 0 || bits > (version === 4 ? 32 : 128)) {
      throw new ConfigError(`TRUST_PROXY entries must be IPs or CIDRs, got ${JSON.stringify(entry)}`);
    }
    probe.addSubnet(address, bits, version === 4 ? 'ipv4' : 'ipv6');
  }
  return entries;
}

function storage(env: Record<string, string | undefined>, dataDir: string, cwd: string): StorageConfig {
  const url = env.DATABASE_URL;
  if (!url) return { kind: 'sqlite', path: resolve(dataDir, 'keygate.db') };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (!path) throw new ConfigError('DATABASE_URL sqlite:<path> needs a path');
    return { kind: 'sqlite', path: path === ':memory:' ? path : resolve(cwd, path) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  throw new ConfigError('DATABASE_URL must be sqlite:<path> or postgres://...');
}

const GITHUB_SECRET_SCANNING_KEYS = 'https://api.github.com/meta/public_keys/secret_scanning';

function apiKeyPrefix(raw: string | undefined): string {
  if (raw === undefined || raw === '') return DEFAULT_KEY_PREFIX;
  if (!KEY_PREFIX_PATTERN.test(raw)) throw new ConfigError(`KEY_PREFIX must be 2-12 characters a-z0-9 starting with a letter, got ${JSON.stringify(raw)}`);
  return raw;
}

function httpUrl(env: Record<string, string | undefined>, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) throw new ConfigError(`${name} must be an http(s) URL`);
  return raw;
}

const CLUSTER_SCHEME = 'redis+cluster://';

/** `host:port,host:port` of a cluster URL. */
function clusterNodes(url: string): RedisConfig['cluster'] {
  return url
    .slice(CLUSTER_SCHEME.length)
    .split(',')
    .map((node) => {
      const match = /^([^:/,]+):(\d{1,5})\/?$/.exec(node.trim());
      if (!match) throw new ConfigError(`REDIS_URL ${CLUSTER_SCHEME} takes host:port pairs separated by commas`);
      return { host: match[1]!, port: Number(match[2]) };
    });
}

function redis(env: Record<string, string | undefined>): Config['redis'] {
  const url = env.REDIS_URL;
  if (!url) return undefined;
  if (!/^rediss?:\/\//.test(url) && !url.startsWith(CLUSTER_SCHEME)) {
    throw new ConfigError(`REDIS_URL must be redis://..., rediss://... or ${CLUSTER_SCHEME}host:port,...`);
  }
  // Scripts check an IP, an account and a key together, which a cluster allows only within one
  // hash slot: a prefix without a hash tag is made one.
  const prefix = env.REDIS_KEY_PREFIX || '{keygate}:';
  const keyPrefix = /\{[^}]+\}/.test(prefix) ? prefix : `{${prefix}}`;
  return Object.freeze({ url, cluster: url.startsWith(CLUSTER_SCHEME) ? clusterNodes(url) : undefined, keyPrefix });
}

/** RFC 8414 §2: an https URL (http for local use) with no query or fragment; kept without a trailing slash. */
function issuer(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {}
  if (!url || !/^https?:$/.test(url.protocol) || /[?#]/.test(raw)) {
    throw new ConfigError('OAUTH_ISSUER must be an https:// (or http://) URL without query or fragment');
  }
  return url.href.replace(/\/$/, '');
}

function serverLimits(env: Record<string, string | undefined>): Readonly<ServerLimits> {
  const hour = 3_600_000;
  const limits = {
    headersTimeoutMs: integer(env, 'HEADERS_TIMEOUT_MS', 10_000, 100, hour),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, hour),
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, hour),
    idleTimeoutMs: integer(env, 'IDLE_TIMEOUT_MS', 60_000, 100, hour),
    maxConnections: integer(env, 'MAX_CONNECTIONS', 10_000, 1, 1_000_000),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10_000, 0, hour),
  };
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new ConfigError('HEADERS_TIMEOUT_MS must not be more than REQUEST_TIMEOUT_MS');
  return Object.freeze(limits);
}

/**
 * Reads the environment once. A `.env` file in `cwd` fills in variables that the real
 * environment does not set.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Config {
  const dotenvPath = resolve(cwd, '.env');
  const merged = existsSync(dotenvPath) ? { ...parseEnv(readFileSync(dotenvPath, 'utf8')), ...env } : env;
  const dataDir = resolve(cwd, merged.DATA_DIR || './data');
  const logLevel = merged.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return Object.freeze({
    port: integer(merged, 'PORT', 3000, 0, 65535),
    host: merged.HOST || '0.0.0.0',
    dataDir,
    storage: storage(merged, dataDir, cwd),
    redis: redis(merged),
    trustProxy: Object.freeze(proxies(merged.TRUST_PROXY)),
    authFailLimit: integer(merged, 'AUTH_FAIL_LIMIT', 10, 1, 1_000_000),
    authFailWindowSeconds: integer(merged, 'AUTH_FAIL_WINDOW_S', 60, 1, 86_400),
    authBlockSeconds: integer(merged, 'AUTH_BLOCK_S', 900, 1, 7 * 86_400),
    signupIpLimit: integer(merged, 'SIGNUP_IP_LIMIT', 10, 1, 1_000_000),
    signupIpWindowSeconds: integer(merged, 'SIGNUP_IP_WINDOW_S', 3600, 1, 7 * 86_400),
    plansFile: merged.PLANS_FILE ? resolve(cwd, merged.PLANS_FILE) : undefined,
    logLevel,
    collectLimits: Object.freeze({
      sitePerSecond: integer(merged, 'COLLECT_SITE_PER_SECOND', 100, 1, 1_000_000_000),
      ipPerSecond: integer(merged, 'COLLECT_IP_PER_SECOND', 20, 1, 1_000_000_000),
    }),
    keyPrefix: apiKeyPrefix(merged.KEY_PREFIX),
    secretScanning: Object.freeze({
      githubKeysUrl: httpUrl(merged, 'SECRET_SCANNING_GITHUB_KEYS_URL') ?? GITHUB_SECRET_SCANNING_KEYS,
      gitlabKeysUrl: httpUrl(merged, 'SECRET_SCANNING_GITLAB_KEYS_URL'),
    }),
    webhooks: Object.freeze({
      retryScheduleSeconds: Object.freeze(retrySchedule(merged.WEBHOOK_RETRY_SCHEDULE_S)),
      allowPrivate: merged.WEBHOOK_ALLOW_PRIVATE === '1',
      timeoutMs: integer(merged, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 10_000),
    }),
    oauth: Object.freeze({ issuer: issuer(merged.OAUTH_ISSUER), tokensPerMinute: integer(merged, 'OAUTH_TOKENS_PER_MINUTE', 20, 1, 1_000_000) }),
    server: serverLimits(merged),
  });
}
