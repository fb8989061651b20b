import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../core/services.js';
import { noContent, SiteAnswer, SiteDetailAnswer, SiteListAnswer, SiteStatsSchema } from '../responses.js';
import { IdParams, StatsQuery } from '../schemas.js';
import { siteViewOf, siteViewsOf } from '../site-answers.js';
import { siteStatsView, siteView } from '../views.js';
import { requestOrigin } from './csrf.js';
import { actingUser } from './session.js';

export const siteRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get('/sites', { schema: { response: { 200: SiteListAnswer } } }, async (request) => ({ sites: await siteViewsOf(services, request.owner.account.id) }));

  app.post(
    '/sites',
    { schema: { body: Type.Object({ domain: Type.String({ maxLength: 300 }) }, { additionalProperties: false }), response: { 201: SiteAnswer } } },
    async (request, reply) => {
      const site = await services.sites.createSite(request.owner.account.id, request.body.domain, actingUser(request).actor);
      return reply.code(201).send({ site: siteView(site, 0) });
    },
  );

  app.get('/sites/:id', { schema: { params: IdParams, response: { 200: SiteDetailAnswer } } }, async (request) => {
    const site = await siteViewOf(services, request.owner.account.id, request.params.id);
    // The site key is base62, so it needs no escaping inside the attribute.
    const snippet = `<script src="${requestOrigin(request)}/t.js" data-site="${site.key}" defer></script>`;
    return { site, snippet };
  });

  // The body of GET /api/v1/sites/:id/stats as a live key gets it (no `livemode`: a session has no key mode),
  // but for the site's own host among the referrers: on its page, a referral is a visit from elsewhere.
  app.get('/sites/:id/stats', { schema: { params: IdParams, querystring: StatsQuery, response: { 200: SiteStatsSchema } } }, async (request) =>
    siteStatsView(await services.events.stats(request.owner.account.id, request.params.id, request.query, { withoutSelfReferrals: true })),
  );

  app.delete('/sites/:id', { schema: { params: IdParams, response: { 204: noContent() } } }, async (request, reply) => {
    await services.sites.deleteSite(request.owner.account.id, request.params.id, actingUser(request).actor);
    return reply.code(204).send();
  });
};
