import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../core/services.js';
import { siteView } from '../../core/views.js';
import { inMode } from '../api-key-auth.js';
import { notFoundAs } from '../errors.js';
import { AUTH_ERRORS, errorResponses, IdParams, Livemode, SiteSchema } from '../schemas.js';

// Events are counted once tracking exists (SPEC §6); until then every site has none.
export const EVENTS_NOT_TRACKED_YET = 0;

const asSiteNotFound = notFoundAs('SITE_NOT_FOUND', 'Site not found');

export const siteRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/sites',
    {
      schema: {
        summary: 'List the sites of the key\'s account',
        tags: ['Sites'],
        security: [{ apiKey: [] }],
        response: { 200: Type.Object({ sites: Type.Array(SiteSchema), livemode: Livemode }), ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request) => {
      const sites = await services.sites.listSites(request.apiKey.accountId);
      return inMode(request, { sites: sites.map((site) => siteView(site, EVENTS_NOT_TRACKED_YET)) });
    },
  );

  app.get(
    '/sites/:id',
    {
      schema: {
        summary: 'One site of the key\'s account',
        tags: ['Sites'],
        security: [{ apiKey: [] }],
        params: IdParams,
        response: { 200: Type.Object({ site: SiteSchema, livemode: Livemode }), ...errorResponses(...AUTH_ERRORS, 'SITE_NOT_FOUND') },
      },
    },
    async (request) => {
      const site = await services.sites.getSite(request.apiKey.accountId, request.params.id).catch(asSiteNotFound);
      return inMode(request, { site: siteView(site, EVENTS_NOT_TRACKED_YET) });
    },
  );
};
