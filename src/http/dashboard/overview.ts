import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { isFlaggedLeak } from '../../core/model.js';
import type { Services } from '../../core/services.js';
import { OverviewAnswer, PlanAnswer } from '../responses.js';
import { siteViewsOf } from '../site-answers.js';
import { leakedKeyView, planView } from '../views.js';

/** The Overview page and the Plan page. */
export const overviewRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get('/overview', { schema: { response: { 200: OverviewAnswer } } }, async (request) => {
    const accountId = request.owner.account.id;
    const [sites, keys] = await Promise.all([siteViewsOf(services, accountId), services.keys.listKeys(accountId, { includeFlagged: true })]);
    return {
      sites,
      leaked_keys: keys.filter(isFlaggedLeak).map(leakedKeyView),
      events_this_month: sites.reduce((sum, site) => sum + site.events_this_month, 0),
      requests_per_day: await services.requestLogs.perDay(accountId),
    };
  });

  app.get('/plan', { schema: { response: { 200: PlanAnswer } } }, async (request) => {
    const accountId = request.owner.account.id;
    const [plan, keys, sites] = await Promise.all([
      services.accounts.planOf(accountId),
      services.keys.listKeys(accountId),
      services.sites.listSites(accountId),
    ]);
    return { plan: planView(plan), usage: { keys: keys.length, sites: sites.length } };
  });
};
