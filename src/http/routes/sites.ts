import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../core/services.js';
import { siteStatsView, siteView } from '../views.js';
import { inMode } from '../api-key-auth.js';
import { notFoundAs } from '../errors.js';
import { API_KEY_SECURITY, AUTH_ERRORS, errorResponses, IdParams, Livemode, SiteSchema, StatsQuery } from '../schemas.js';

const countOf = (name: string) => Type.Object({ [name]: Type.String(), events: Type.Integer({ minimum: 0 }) });

const StatsSchema = Type.Object({
  site_id: Type.String(),
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  totals: Type.Object({ events: Type.Integer(), humans: Type.Integer(), bots: Type.Integer() }),
  days: Type.Array(Type.Object({ date: Type.String({ format: 'date' }), humans: Type.Integer(), bots: Type.Integer() }), { description: 'Every day of the range, ascending' }),
  top_bots: Type.Array(countOf('name'), { maxItems: 10 }),
  top_paths: Type.Array(countOf('path'), { maxItems: 10 }),
  top_referrers: Type.Array(countOf('referrer'), { maxItems: 10, description: 'By host name; hits without a referrer are left out' }),
  livemode: Livemode,
});

const asSiteNotFound = notFoundAs('SITE_NOT_FOUND', 'Site not found');

export const siteRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/sites',
    {
      schema: {
        summary: 'List the sites of the key\'s account',
        tags: ['Sites'],
        security: API_KEY_SECURITY,
        response: { 200: Type.Object({ sites: Type.Array(SiteSchema), livemode: Livemode }), ...errorResponses(...AUTH_ERRORS) },
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
        response: { 200: Type.Object({ site: SiteSchema, livemode: Livemode }), ...errorResponses(...AUTH_ERRORS, 'SITE_NOT_FOUND') },
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
        response: { 200: StatsSchema, ...errorResponses(...AUTH_ERRORS, 'SITE_NOT_FOUND') },
      },
    },
    async (request) => {
      const stats = await services.events.stats(request.apiKey.accountId, request.params.id, request.query).catch(asSiteNotFound);
      return inMode(request, siteStatsView(stats));
    },
  );
};
