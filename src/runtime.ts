import { Cluster, Redis } from 'ioredis';
import { HttpPublicKeySource } from './adapters/http/http-public-key-source.js';
import { MemoryCollectLimiter } from './adapters/memory/memory-collect-limiter.js';
import { MemoryFailedAuthLimiter } from './adapters/memory/memory-failed-auth-limiter.js';
import { MemoryReportLimiter } from './adapters/memory/memory-report-limiter.js';
import { MemorySignupLimiter } from './adapters/memory/memory-signup-limiter.js';
import { MemoryTokenIssueLimiter } from './adapters/memory/memory-token-issue-limiter.js';
import { MemoryUsageLimiter } from './adapters/memory/memory-usage-limiter.js';
import { openPostgresStore } from './adapters/postgres/postgres-store.js';
import { RedisCollectLimiter } from './adapters/redis/redis-collect-limiter.js';
import { RedisFailedAuthLimiter } from './adapters/redis/redis-failed-auth-limiter.js';
import { RedisKeyChangeSignal } from './adapters/redis/redis-key-change-signal.js';
import { RedisReportLimiter } from './adapters/redis/redis-report-limiter.js';
import type { RedisClient } from './adapters/redis/redis-scripts.js';
import { RedisSignupLimiter } from './adapters/redis/redis-signup-limiter.js';
import { RedisTokenIssueLimiter } from './adapters/redis/redis-token-issue-limiter.js';
import { RedisUsageLimiter } from './adapters/redis/redis-usage-limiter.js';
import { openSqliteStore } from './adapters/sqlite/sqlite-store.js';
import { HttpWebhookTransport } from './adapters/webhook/http-webhook-transport.js';
import type { Config, RedisConfig } from './config.js';
import { loadPlans } from './core/plans.js';
import type {
  CollectLimiter,
  FailedAuthLimiter,
  FailedAuthPolicy,
  Logger,
  ReportLimiter,
  ReportLimits,
  SignupLimiter,
  SignupPolicy,
  Store,
  TokenIssueLimiter,
  UsageLimiter,
} from './core/ports.js';
import { createServices, type Services } from './core/services.js';
import { eventPayloads } from './http/views.js';
import { type Clock, systemClock } from './lib/clock.js';

interface Limiters {
  failedAuth: FailedAuthLimiter;
  limiter: UsageLimiter;
  collectLimiter: CollectLimiter;
  reportLimiter: ReportLimiter;
  tokenIssueLimiter: TokenIssueLimiter;
  signupLimiter: SignupLimiter;
}

/** SPEC §9: at most 10 leak reports per client IP per minute. */
const REPORT_LIMITS: ReportLimits = { perIp: 10, windowMs: 60_000 };

/** SPEC §3's IP block as configured (AUTH_FAIL_LIMIT, AUTH_FAIL_WINDOW_S, AUTH_BLOCK_S). */
function failedAuthPolicy(config: Config): FailedAuthPolicy {
  return { limit: config.authFailLimit, windowMs: config.authFailWindowSeconds * 1000, blockMs: config.authBlockSeconds * 1000 };
}

/** SPEC §7's sign-up throttle as configured (SIGNUP_IP_LIMIT, SIGNUP_IP_WINDOW_S). */
function signupPolicy(config: Config): SignupPolicy {
  return { limit: config.signupIpLimit, windowMs: config.signupIpWindowSeconds * 1000 };
}

/** In-process limiter state: exact for one process, which is what the embedded default runs. */
function memoryLimiters(config: Config, store: Store, clock: Clock): Limiters {
  return {
    failedAuth: new MemoryFailedAuthLimiter(failedAuthPolicy(config), clock),
    limiter: new MemoryUsageLimiter(store.requestLogs, clock),
    collectLimiter: new MemoryCollectLimiter(clock),
    reportLimiter: new MemoryReportLimiter(REPORT_LIMITS, clock),
    tokenIssueLimiter: new MemoryTokenIssueLimiter(clock),
    signupLimiter: new MemorySignupLimiter(signupPolicy(config), clock),
  };
}

/** Limiter state in Redis, shared by every instance, so limits stay exact across them (SPEC §8). */
function redisLimiters(config: Config, redis: RedisClient, prefix: string, store: Store, clock: Clock): Limiters {
  return {
    failedAuth: new RedisFailedAuthLimiter(redis, { ...failedAuthPolicy(config), prefix }, clock),
    limiter: new RedisUsageLimiter(redis, { prefix, history: store.requestLogs }, clock),
    collectLimiter: new RedisCollectLimiter(redis, { prefix }, clock),
    reportLimiter: new RedisReportLimiter(redis, { ...REPORT_LIMITS, prefix }, clock),
    tokenIssueLimiter: new RedisTokenIssueLimiter(redis, { prefix }, clock),
    signupLimiter: new RedisSignupLimiter(redis, { ...signupPolicy(config), prefix }, clock),
  };
}

/**
 * The Redis client of a configuration. While Redis is unreachable a command is retried once and
 * then fails (the request gets 500 INTERNAL and /readyz NOT_READY) rather than hang; the client
 * keeps reconnecting meanwhile.
 */
function connectRedis(config: RedisConfig): RedisClient {
  const options = { enableAutoPipelining: true, lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 };
  if (!config.cluster) return new Redis(config.url, options);
  const { enableAutoPipelining, lazyConnect, ...perNode } = options;
  return new Cluster(config.cluster, { enableAutoPipelining, lazyConnect, redisOptions: perNode });
}

export interface OpenOptions {
  clock?: Clock;
  /** Where lost connections and background failures are reported (the server's log); the CLI reports its own failure. */
  logger?: Logger;
}

/**
 * Storage, limiter state and services for one configuration: what the server and the CLI
 * share. SQLite and in-process limiters by default; PostgreSQL and Redis when configured.
 */
export async function openKeygate(config: Config, { clock = systemClock, logger }: OpenOptions = {}): Promise<Services> {
  const plans = loadPlans(config.plansFile);
  const redis = config.redis && connectRedis(config.redis);
  let lastRedisError: Error | undefined;
  // Each failed reconnection is reported here; commands meanwhile fail on their own.
  redis?.on('error', (error: Error) => {
    lastRedisError = error;
    logger?.warn({ err: error }, 'Redis is not reachable');
  });
  try {
    await redis?.connect().catch((error: Error) => {
      throw new Error(`Redis (REDIS_URL) is not reachable: ${(lastRedisError ?? error).message}`);
    });
    const keyChanges = redis && config.redis ? new RedisKeyChangeSignal(redis, { prefix: config.redis.keyPrefix }) : undefined;
    const store =
      config.storage.kind === 'postgres'
        ? await openPostgresStore(config.storage.url, { keyChanges }).catch((error: Error) => {
            // The driver's message names host and user, never the URL's password.
            throw new Error(`PostgreSQL (DATABASE_URL) could not be opened: ${error.message}`);
          })
        : await openSqliteStore(config.storage.path);
    const limiters = redis && config.redis ? redisLimiters(config, redis, config.redis.keyPrefix, store, clock) : memoryLimiters(config, store, clock);
    const { githubKeysUrl, gitlabKeysUrl } = config.secretScanning;
    const scannerKeys = { github: new HttpPublicKeySource(githubKeysUrl), ...(gitlabKeysUrl && { gitlab: new HttpPublicKeySource(gitlabKeysUrl) }) };
    return createServices({
      store,
      plans,
      ...limiters,
      collectLimits: config.collectLimits,
      clock,
      keyPrefix: config.keyPrefix,
      scannerKeys,
      ...(logger && { logger }),
      connections: redis ? [redis] : [],
      webhookTransport: new HttpWebhookTransport({ allowPrivate: config.webhooks.allowPrivate }),
      webhookDelivery: config.webhooks,
      onBackgroundError: (error) => logger?.error({ err: error }, 'webhook work failed'),
      tokensPerMinute: config.oauth.tokensPerMinute,
      eventPayloads,
    });
  } catch (error) {
    redis?.disconnect();
    throw error;
  }
}
