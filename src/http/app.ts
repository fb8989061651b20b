import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, LogController } from 'fastify';
import type { Config } from '../config.js';
import type { Services } from '../core/services.js';
import { newRequestId } from '../lib/ids.js';
import { keyPrefix } from '../lib/key-format.js';
import { apiKeyAuth } from './api-key-auth.js';
import { clientErrorHandler } from './client-errors.js';
import { clientIpResolver } from './client-ip.js';
import { capConnections } from './connection-cap.js';
import { dashboardApi } from './dashboard/index.js';
import { handleError, logStorageFault, relabelNotFound, STORAGE_UNAVAILABLE, sendError } from './errors.js';
import { installMetrics } from './metrics.js';
import { logRequests } from './request-logging.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { collectRoutes } from './routes/collect.js';
import { healthRoutes } from './routes/health.js';
import { oauthRoutes, TOKEN_PATH } from './routes/oauth.js';
import { reportLeakRoutes } from './routes/report-leak.js';
import { secretScanningRoutes } from './routes/secret-scanning.js';
import { siteRoutes } from './routes/sites.js';
import { trackingScriptRoutes } from './routes/tracking-script.js';
import { DEFAULT_WEB_ROOT, serveDashboard } from './spa.js';
import { rejectUnstorableText } from './text-fields.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The client's address per SPEC §3 (TRUST_PROXY-aware), resolved once per request. */
    clientIp: string;
  }
}

export const BODY_LIMIT_BYTES = 1024 * 1024;
/**
 * Above any id the routes accept, so an over-long `:id` reaches the route's schema and is
 * answered with its VALIDATION_ERROR (`id: ...`) rather than the router's bare 414.
 */
const MAX_PARAM_LENGTH = 16 * 1024;

export interface AppOptions {
  services: Services;
  config: Pick<Config, 'trustProxy' | 'keyPrefix' | 'oauth' | 'server'>;
  logger: FastifyBaseLogger;
  /** The built SPA (web/dist of the package unless a test points elsewhere). */
  webRoot?: string;
}

/** The whole HTTP surface: REST API, tracking, dashboard API and SPA, operation endpoints, OpenAPI document and reference. */
export async function buildApp({ services, config, logger, webRoot = DEFAULT_WEB_ROOT }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    genReqId: () => newRequestId(),
    // Each keyed API request is a row of the request log already; errors are still logged.
    // OAuth requests get none either: a client that wrongly puts its secret in the query string must not have it logged.
    logController: new LogController({ disableRequestLogging: (request) => (request.url?.startsWith('/api/') || request.url?.startsWith('/oauth/')) ?? false }),
    // request.protocol and request.host (the dashboard's Secure cookie and Origin check) follow
    // X-Forwarded-Proto and X-Forwarded-Host from the same proxies that X-Forwarded-For is believed from.
    trustProxy: config.trustProxy.length > 0 ? [...config.trustProxy] : false,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors the router raises before any hook runs (a bad percent-encoding, an over-long
    // parameter) leave through the same handler, with the same body and X-Request-Id.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      handleError(error, request, reply);
    },
    clientErrorHandler: clientErrorHandler(logger),
    // A stalled header, body or idle connection is cut (408 while a request was arriving), so
    // slow clients cannot hold connections for good; Node checks the first two every interval.
    // (Node checks headersTimeout against the requestTimeout given here; Fastify then sets its own.)
    http: {
      headersTimeout: config.server.headersTimeoutMs,
      requestTimeout: config.server.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.server.headersTimeoutMs / 4)),
    },
    requestTimeout: config.server.requestTimeoutMs,
    keepAliveTimeout: config.server.keepAliveTimeoutMs,
    connectionTimeout: config.server.idleTimeoutMs,
    // Idle keep-alive sockets are closed on shutdown; in-flight requests are finished.
    forceCloseConnections: 'idle',
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  capConnections(app.server, config.server.maxConnections, logger);

  const clientIp = clientIpResolver(config.trustProxy);
  app.decorateRequest('clientIp', '');
  app.decorateRequest('apiKey', null as never);
  app.decorateRequest('keysVersion', '');
  app.decorateReply('errorCode', undefined);
  // Hooks on every request take Fastify's callback form where they await nothing: no promise per request.
  app.addHook('onRequest', (request, reply, done) => {
    request.clientIp = clientIp(request);
    reply.header('x-request-id', request.id);
    done();
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Disk full, read-only or unreachable storage: the request may succeed later, and /readyz says so meanwhile.
    if (!services.store.isFault(error)) return handleError(error, request, reply);
    logStorageFault(request, error);
    return sendError(reply, 'NOT_READY', STORAGE_UNAVAILABLE);
  });
  app.addHook('preValidation', rejectUnstorableText);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Keygate REST API',
        version: '1',
        description: 'Read your sites and manage your API keys. Every call carries `Authorization: Bearer <API key>`.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: `An API key (${keyPrefix('live', config.keyPrefix)}… or ${keyPrefix('test', config.keyPrefix)}…), or an OAuth access token (at_…) of one`,
          },
          oauth2: {
            type: 'oauth2',
            description: "Client credentials: the client_id is the key's id (key_…), the client_secret the key itself",
            flows: { clientCredentials: { tokenUrl: TOKEN_PATH, scopes: {} } },
          },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // After the OpenAPI plugin, so that /metrics is documented; its hook still sees every route below.
  installMetrics(app, services);
  await app.register(healthRoutes, { services });
  // Tracking takes public site keys: beside the API-key scope, never inside it.
  await app.register(trackingScriptRoutes);
  await app.register(collectRoutes, { services, prefix: '/api/v1' });
  // Leak reports carry keys but are not authenticated by them: beside the API-key scope too.
  await app.register(secretScanningRoutes, { services, prefix: '/api/v1' });
  await app.register(reportLeakRoutes, { services, prefix: '/api/v1' });
  await app.register(oauthRoutes, { services, issuer: config.oauth.issuer });
  await app.register(
    async (api) => {
      api.decorateRequest('keyUse', undefined);
      api.setErrorHandler(relabelNotFound);
      api.addHook('onRequest', apiKeyAuth(services.gate, services.clock));
      api.addHook(
        'onSend',
        logRequests(services.requestLog, (error) => services.store.isFault(error)),
      );
      await api.register(siteRoutes, { services });
      await api.register(apiKeyRoutes, { services });
    },
    { prefix: '/api/v1' },
  );
  await app.register(dashboardApi, { services, prefix: '/dashboard/api' });
  await serveDashboard(app, webRoot);
  return app;
}
