import cookie from '@fastify/cookie';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IP_BLOCKED_MESSAGE } from '../../core/authenticator.js';
import { KeygateError } from '../../core/errors.js';
import type { Services } from '../../core/services.js';
import { ErrorBodySchema } from '../responses.js';
import { accountRoutes } from './account.js';
import { auditRoutes } from './audit.js';
import { authRoutes } from './auth.js';
import { rejectCrossSite } from './csrf.js';
import { keyRoutes } from './keys.js';
import { logRoutes } from './logs.js';
import { overviewRoutes } from './overview.js';
import { requireSession } from './session.js';
import { siteRoutes } from './sites.js';
import { webhookRoutes } from './webhooks.js';

/**
 * The dashboard's JSON API, under /dashboard/api; its answers are the schemas of
 * ../responses.ts, which the SPA's client (web/src/api.ts) imports the types of. Every
 * request passes, in order: the failed-sign-in IP block, the Origin check on mutations, and
 * (all but sign-up, sign-in, sign-out) the session. Left out of the public OpenAPI document:
 * it is the SPA's private contract, not the product's API.
 */
export const dashboardApi: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.addHook('onRoute', (route) => {
    route.schema = {
      ...route.schema,
      hide: true,
      response: { '4xx': ErrorBodySchema, '5xx': ErrorBodySchema, ...(route.schema?.response as object | undefined) },
    };
  });
  await app.register(cookie);
  app.addHook('onRequest', async (request) => {
    if (await services.failedAuth.isBlocked(request.clientIp)) throw new KeygateError('IP_BLOCKED', IP_BLOCKED_MESSAGE);
  });
  app.addHook('onRequest', rejectCrossSite);

  await app.register(authRoutes, { services });
  await app.register(async (signedIn) => {
    signedIn.addHook('onRequest', requireSession(services.sessions));
    for (const routes of [overviewRoutes, siteRoutes, keyRoutes, logRoutes, auditRoutes, webhookRoutes, accountRoutes])
      await signedIn.register(routes, { services });
  });
};
