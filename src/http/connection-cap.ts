import type { Server } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';

/** At most one "limit reached" line per this long, however many connections are refused. */
const LOG_EVERY_MS = 10_000;

/**
 * Holds the server to `maxConnections` open connections: Node closes any more as they arrive,
 * so a flood of held connections cannot exhaust file descriptors. Each time the limit is hit
 * the operator is told, once per LOG_EVERY_MS, with how many connections were refused.
 */
export function capConnections(server: Server, maxConnections: number, logger: FastifyBaseLogger): void {
  server.maxConnections = maxConnections;
  let refused = 0;
  let loggedAt = -Infinity;
  server.on('drop', () => {
    refused++;
    const now = Date.now();
    if (now - loggedAt < LOG_EVERY_MS) return;
    logger.warn({ maxConnections, refused }, 'connection limit reached (MAX_CONNECTIONS): closing new connections');
    loggedAt = now;
    refused = 0;
  });
}
