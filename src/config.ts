import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { BlockList, isIP } from 'node:net';
import type { CollectLimits } from './core/ports.js';

export type StorageConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

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
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

function proxies(raw: string | undefined): string[] {
  const entries = (raw ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
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
  });
}
