import { loadConfig } from './config.js';
import { buildApp } from './http/app.js';
import { dashboardUrl } from './lib/dashboard-url.js';
import { createLogger } from './logger.js';
import { openKeygate } from './runtime.js';

const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const services = await openKeygate(config, { logger });
  const app = await buildApp({ services, config, logger });
  // Fastify logs a line per address it listens on (one per interface for 0.0.0.0); the first,
  // which is the process's first log line, says where to open the dashboard.
  let listenLines = 0;
  await app.listen({
    port: config.port,
    host: config.host,
    listenTextResolver: (address) =>
      listenLines++ === 0 ? `Keygate listening — dashboard at ${dashboardUrl(config.host, address)}` : `also listening at ${address}`,
  });

  const pruneEvery = (what: string, prune: () => Promise<number>) => () =>
    prune().then(
      (deleted) => deleted > 0 && logger.info({ deleted }, `pruned ${what} past their retention`),
      (error: unknown) => logger.error({ err: error }, `pruning ${what} failed`),
    );
  const pruneLogs = pruneEvery('request logs', () => services.requestLogs.prune());
  const pruneEvents = pruneEvery('raw events', () => services.events.prune());
  const pruneWebhooks = pruneEvery('webhook deliveries', () => services.webhooks.prune());
  const pruneTokens = pruneEvery('expired access tokens', () => services.accessTokens.prune());
  const prune = () => pruneLogs().then(pruneEvents).then(pruneWebhooks).then(pruneTokens);
  void prune();
  const pruning = setInterval(prune, PRUNE_INTERVAL_MS).unref();
  // Webhook delivery and the expiry and quota watchers run beside the server, never on a request's path.
  services.webhookDispatcher.start();
  services.webhookWatchers.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const graceMs = config.server.shutdownGraceMs;
    logger.info({ signal, graceMs }, 'shutting down: finishing in-flight requests');
    clearInterval(pruning);
    // A client that stalls mid-request would hold the drain open for good: past the grace it is cut.
    const cut = setTimeout(() => {
      logger.warn({ graceMs }, 'shutdown grace over: closing the connections still open');
      app.server.closeAllConnections();
    }, graceMs);
    await app.close();
    clearTimeout(cut);
    // After the last request: every answered request's log row and every accepted hit are committed.
    await services.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: Error) => {
  // Configuration and storage problems are the operator's to fix: say what, not where in our code.
  process.stderr.write(`keygate: ${error.message}\n`);
  process.exit(1);
});
