import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../core/services.js';
import { siteStatsView, siteView } from '../views.js';
import { inMode } from '../api-key-auth.js';
import { notFoundAs } from '../errors.js';
import { RestSite, RestSiteList, RestSiteStats } from '../responses.js';
import { API_KEY_SECURITY, AUTH_ERRORS, errorResponses, IdParams, StatsQuery } from '../schemas.js';

const asSiteNotFound = notFoundAs('SITE_NOT_FOUND', 'Site not found');

export const siteRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/sites',
    {
      schema: {
        summary: 'List the sites of the key\'s account',
        tags: ['Sites'],
        security: API_KEY_SECURITY,
        response: { 200: RestSiteList, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request) => {
      const { accountId } = request.apiKey;
      const [sites, events] = await Promise.all([services.sites.listSites(accountId, request.keysVersion), services.events.eventsThisMonth(accountId)]);
      return inMode(request, { sites: sites.map((site) => siteView(site, events.get(site.id) ?? 0)) });
    },
  );

  app.get(
    '/sites/:id',
    {
      schema: {
        summary: 'One site of the key\'s account',
        tags: ['Sites'],
        security: API_KEY_SECURITY,
        params: IdParams,
        response: { 200: RestSite, ...errorResponses(...AUTH_ERRORS, 'SITE_NOT_FOUND') },
      },
    },
    async (request) => {
      const { accountId } = request.apiKey;
      const site = await services.sites.getSite(accountId, request.params.id).catch(asSiteNotFound);
      const events = await services.events.eventsThisMonth(accountId);
      return inMode(request, { site: siteView(site, events.get(site.id) ?? 0) });
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
      const stats = await services.events.stats(request.apiKey.accountId, request.params.id, request.query).catch(asSiteNotFound);
      return inMode(request, siteStatsView(stats));
    },
  );
};
