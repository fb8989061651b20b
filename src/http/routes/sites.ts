import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../core/services.js';
import { inMode } from '../api-key-auth.js';
import { RestSite, RestSiteList, RestSiteStats } from '../responses.js';
import { API_KEY_SECURITY, AUTH_ERRORS, errorResponses, IdParams, StatsQuery } from '../schemas.js';
import { siteViewOf, siteViewsOf } from '../site-answers.js';
import { siteStatsView } from '../views.js';

export const siteRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/sites',
    {
      schema: {
        summary: "List the sites of the key's account",
        tags: ['Sites'],
        security: API_KEY_SECURITY,
        response: { 200: RestSiteList, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request) => {
      return inMode(request, { sites: await siteViewsOf(services, request.apiKey.accountId, request.keysVersion) });
    },
  );

  app.get(
    '/sites/:id',
    {
      schema: {
        summary: "One site of the key's account",
        tags: ['Sites'],
        security: API_KEY_SECURITY,
        params: IdParams,
        response: { 200: RestSite, ...errorResponses(...AUTH_ERRORS, 'SITE_NOT_FOUND') },
      },
    },
    async (request) => {
      return inMode(request, { site: await siteViewOf(services, request.apiKey.accountId, request.params.id) });
    },
  );

  app.get(
    '/sites/:id/stats',
    {
      schema: {
        summary: 'Daily events of one site, humans and bots, with its top bots, paths and referrers',
        tags: ['Sites'],
        security: API_KEY_SECURITY,
        params: IdParams,
        querystring: StatsQuery,
        response: { 200: RestSiteStats, ...errorResponses(...AUTH_ERRORS, 'SITE_NOT_FOUND') },
      },
    },
    async (request) => {
      const stats = await services.events.stats(request.apiKey.accountId, request.params.id, request.query);
      return inMode(request, siteStatsView(stats));
    },
  );
};
