import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Services } from '../core/services.js';

/** Route label of requests no route matched, so probes of random paths cannot grow the label set. */
const UNMATCHED = 'unmatched';

/**
 * `GET /metrics` in Prometheus' text format (SPEC §8): the process's own figures (CPU,
 * memory, event-loop delay, GC) and per-route request counts, durations and error codes.
 * Labels are route templates and fixed codes only: no account, key, IP or path ever
 * becomes a label, so the page holds no tenant data and its size stays bounded.
 * Installed on the root instance before any route, so its hook sees every answer.
 */
export function installMetrics(app: FastifyInstance, services: Services): void {
  // A registry per app: tests run several servers in one process.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'keygate_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'keygate_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by method and route template.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'keygate_http_errors_total',
    help: 'Error answers by their code (INVALID_KEY, RATE_LIMITED, IP_BLOCKED, ...).',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'keygate_pending_writes',
    help: 'Request-log rows and tracked events waiting for their group commit.',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.set({ kind: 'request_log' }, services.logWriter.pending);
      this.set({ kind: 'event' }, services.events.pendingWrites);
    },
  });

  // prom-client hashes a label set on every call; the sets are few (routes × methods × statuses), so each is looked up once.
  const series = new Map<string, { count: Counter.Internal; duration: Histogram.Internal<string> }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    const name = `${request.method} ${route} ${reply.statusCode}`;
    let one = series.get(name);
    if (!one) {
      one = { count: requests.labels(request.method, route, String(reply.statusCode)), duration: durations.labels(request.method, route) };
      series.set(name, one);
    }
    one.count.inc();
    one.duration.observe(reply.elapsedTime / 1000);
    if (reply.errorCode) errors.inc({ code: reply.errorCode });
    done();
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics of this instance', tags: ['Operation'] } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
}
