import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Site } from '../../core/model.js';
import type { Services } from '../../core/services.js';
import { siteView } from '../../core/views.js';
import { EVENTS_NOT_TRACKED_YET } from '../routes/sites.js';
import { IdParams } from '../schemas.js';
import { requestOrigin } from './csrf.js';
import { actingUser } from './session.js';

export const dashboardSiteView = (site: Site) => siteView(site, EVENTS_NOT_TRACKED_YET);

export const siteRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get('/sites', async (request) => ({ sites: (await services.sites.listSites(request.owner.account.id)).map(dashboardSiteView) }));

  app.post(
    '/sites',
    { schema: { body: Type.Object({ domain: Type.String({ maxLength: 300 }) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const site = await services.sites.createSite(request.owner.account.id, request.body.domain, actingUser(request).actor);
      return reply.code(201).send({ site: dashboardSiteView(site) });
    },
  );

  app.get('/sites/:id', { schema: { params: IdParams } }, async (request) => {
    const site = await services.sites.getSite(request.owner.account.id, request.params.id);
    // The site key is base62, so it needs no escaping inside the attribute.
    const snippet = `<script src="${requestOrigin(request)}/t.js" data-site="${site.siteKey}" defer></script>`;
    return { site: dashboardSiteView(site), snippet };
  });

  app.delete('/sites/:id', { schema: { params: IdParams } }, async (request, reply) => {
    await services.sites.deleteSite(request.owner.account.id, request.params.id, actingUser(request).actor);
    return reply.code(204).send();
  });
};
