import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { WEBHOOK_EVENT_TYPES } from '../../core/model.js';
import type { Services } from '../../core/services.js';
import { MAX_WEBHOOK_ENDPOINTS } from '../../core/webhooks.js';
import { DeliveryPageAnswer, noContent, RedeliveryAnswer, WebhookAnswer, WebhookListAnswer, WebhookSecretAnswer, WebhookTestAnswer } from '../responses.js';
import { IdParams } from '../schemas.js';
import { attemptView, webhookView } from '../views.js';
import { PageFields, pageLimit } from './paging.js';
import { actingUser } from './session.js';

const Url = Type.String({ maxLength: 4096 });
const Events = Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 });
const Description = Type.String({ maxLength: 1000 });
const CreateBody = Type.Object({ url: Url, events: Type.Optional(Events), description: Type.Optional(Description) }, { additionalProperties: false });
const UpdateBody = Type.Object(
  { url: Type.Optional(Url), events: Type.Optional(Events), description: Type.Optional(Description), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const DeliveryParams = Type.Object({ id: IdParams.properties.id, delivery: Type.String({ pattern: '^[1-9][0-9]{0,14}$' }) });

/** Settings > Webhooks (SPEC §10): endpoints, their secret shown once, test events, the delivery log and redelivery. */
export const webhookRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get('/webhooks', { schema: { response: { 200: WebhookListAnswer } } }, async (request) => {
    const endpoints = await services.webhooks.listEndpoints(request.owner.account.id);
    return { webhooks: endpoints.map(webhookView), limit: { max: MAX_WEBHOOK_ENDPOINTS, used: endpoints.length }, event_types: [...WEBHOOK_EVENT_TYPES] };
  });

  app.post('/webhooks', { schema: { body: CreateBody, response: { 201: WebhookSecretAnswer } } }, async (request, reply) => {
    const { endpoint, secret } = await services.webhooks.createEndpoint(request.owner.account.id, request.body, actingUser(request).actor);
    return reply.code(201).send({ webhook: webhookView(endpoint), secret });
  });

  app.patch('/webhooks/:id', { schema: { params: IdParams, body: UpdateBody, response: { 200: WebhookAnswer } } }, async (request) => {
    const { actor, scope } = actingUser(request);
    return { webhook: webhookView(await services.webhooks.updateEndpoint(request.params.id, scope.accountId, request.body, actor)) };
  });

  app.post('/webhooks/:id/roll-secret', { schema: { params: IdParams, response: { 200: WebhookSecretAnswer } } }, async (request) => {
    const { actor, scope } = actingUser(request);
    const { endpoint, secret } = await services.webhooks.rollSecret(request.params.id, scope.accountId, actor);
    return { webhook: webhookView(endpoint), secret };
  });

  app.delete('/webhooks/:id', { schema: { params: IdParams, response: { 204: noContent() } } }, async (request, reply) => {
    const { actor, scope } = actingUser(request);
    await services.webhooks.deleteEndpoint(request.params.id, scope.accountId, actor);
    return reply.code(204).send();
  });

  app.post('/webhooks/:id/test', { schema: { params: IdParams, response: { 202: WebhookTestAnswer } } }, async (request, reply) => {
    return reply.code(202).send({ event_id: await services.webhooks.sendTest(request.params.id, request.owner.account.id) });
  });

  app.get(
    '/webhooks/:id/deliveries',
    { schema: { params: IdParams, querystring: Type.Object(PageFields, { additionalProperties: false }), response: { 200: DeliveryPageAnswer } } },
    async (request) => {
      const page = await services.webhooks.attempts(request.params.id, request.owner.account.id, request.query.cursor, pageLimit(request.query.limit));
      return { deliveries: page.deliveries.map(attemptView), next_cursor: page.nextCursor };
    },
  );

  app.post(
    '/webhooks/:id/deliveries/:delivery/redeliver',
    { schema: { params: DeliveryParams, response: { 202: RedeliveryAnswer } } },
    async (request, reply) => {
      const deliveryId = await services.webhooks.redeliver(request.params.id, request.owner.account.id, Number(request.params.delivery));
      return reply.code(202).send({ delivery_id: deliveryId });
    },
  );
};
