import { MemoryCollectLimiter } from './adapters/memory/memory-collect-limiter.js';
import { MemoryFailedAuthLimiter } from './adapters/memory/memory-failed-auth-limiter.js';
import { MemoryUsageLimiter } from './adapters/memory/memory-usage-limiter.js';
import { openSqliteStore } from './adapters/sqlite/sqlite-store.js';
import { ConfigError, type Config } from './config.js';
import { loadPlans } from './core/plans.js';
import type { Store } from './core/ports.js';
import { createServices, type Services } from './core/services.js';
import { systemClock, type Clock } from './lib/clock.js';

async function openStore(config: Config): Promise<Store> {
  if (config.storage.kind === 'postgres') {
    throw new ConfigError('DATABASE_URL=postgres://... is not supported yet: this build runs on the embedded SQLite database');
  }
  return openSqliteStore(config.storage.path);
}

/** Storage, limiter state and services for one configuration: what the server and the CLI share. */
export async function openKeygate(config: Config, clock: Clock = systemClock): Promise<Services> {
  const plans = loadPlans(config.plansFile);
  const store = await openStore(config);
  const failedAuth = new MemoryFailedAuthLimiter(
    { limit: config.authFailLimit, windowMs: config.authFailWindowSeconds * 1000, blockMs: config.authBlockSeconds * 1000 },
    clock,
  );
  const limiter = new MemoryUsageLimiter(store.requestLogs, clock);
  const collectLimiter = new MemoryCollectLimiter(clock);
  return createServices({ store, plans, failedAuth, limiter, collectLimiter, collectLimits: config.collectLimits, clock });
}
