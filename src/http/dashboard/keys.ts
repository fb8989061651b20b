import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { type KeySettings, MAX_GRACE_SECONDS, parseExpiry, STANDARD_CATEGORIES } from '../../core/api-keys.js';
import { type ApiKey, isRevoked, QUOTA_WINDOWS, type Quotas } from '../../core/model.js';
import type { Services } from '../../core/services.js';
import { IssuedKeyAnswer, KeyAnswer, KeyListAnswer, noContent, RotatedKeyAnswer, TokensRevokedAnswer } from '../responses.js';
import { IdParams } from '../schemas.js';
import { dashboardKeyView } from '../views.js';
import { actingUser } from './session.js';

const Quota = Type.Union([Type.Integer(), Type.Null()]);
const List = Type.Array(Type.String({ maxLength: 200 }), { maxItems: 100 });
const Time = Type.String({ format: 'date-time' });
const Name = Type.String({ maxLength: 200 });

/** The settings a key's owner may give at creation and change later; all optional (PATCH). */
const SettingsBody = Type.Object(
  {
    name: Type.Optional(Name),
    category: Type.Optional(Type.String({ maxLength: 200 })),
    expires_at: Type.Optional(Type.Union([Time, Type.Null()])),
    quotas: Type.Optional(
      Type.Object(
        { total: Type.Optional(Quota), daily: Type.Optional(Quota), weekly: Type.Optional(Quota), monthly: Type.Optional(Quota) },
        { additionalProperties: false },
      ),
    ),
    restrictions: Type.Optional(
      Type.Object({ ips: Type.Optional(List), referrers: Type.Optional(List), endpoints: Type.Optional(List) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
const CreateBody = Type.Object(
  {
    ...SettingsBody.properties,
    name: Name,
    mode: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('test')])),
  },
  { additionalProperties: false },
);
const RotateBody = Type.Object(
  { grace_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_GRACE_SECONDS })), name: Type.Optional(Name) },
  { additionalProperties: false },
);
const ListQuery = Type.Object({ include: Type.Optional(Type.Literal('revoked')) }, { additionalProperties: false });

/** The body's settings in the domain's terms; absent fields stay absent (PATCH leaves them be). */
function settings(body: Static<typeof SettingsBody>): Partial<KeySettings> {
  const out: Partial<KeySettings> = {};
  if (body.name !== undefined) out.name = body.name;
  if (body.category !== undefined) out.category = body.category;
  if (body.expires_at !== undefined) out.expiresAt = body.expires_at === null ? null : parseExpiry('expires_at', body.expires_at);
  if (body.quotas !== undefined) {
    const quotas: Quotas = {};
    for (const window of QUOTA_WINDOWS) if (typeof body.quotas[window] === 'number') quotas[window] = body.quotas[window];
    out.quotas = quotas;
  }
  if (body.restrictions !== undefined) out.restrictions = body.restrictions;
  return out;
}

export const keyRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  const view = async (key: ApiKey) => {
    const [quotaUse, liveTokens] = await Promise.all([services.keys.quotaUse(key), services.accessTokens.countLive(key.id)]);
    return dashboardKeyView(key, { quotaUse, liveTokens }, services.clock.now());
  };

  app.get('/keys', { schema: { querystring: ListQuery, response: { 200: KeyListAnswer } } }, async (request) => {
    const accountId = request.owner.account.id;
    // Keys revoked as leaked stay listed, flagged, until a user dismisses the flag.
    const keys = await services.keys.listKeys(accountId, { includeRevoked: request.query.include === 'revoked', includeFlagged: true });
    const plan = await services.accounts.planOf(accountId);
    const now = services.clock.now();
    return {
      keys: await Promise.all(keys.map(view)),
      limit: { max_keys: plan.maxKeys, used: keys.filter((key) => !isRevoked(key, now)).length },
      prefixes: services.keys.prefixes(),
      categories: [...STANDARD_CATEGORIES],
    };
  });

  app.post('/keys', { schema: { body: CreateBody, response: { 201: IssuedKeyAnswer } } }, async (request, reply) => {
    const { actor } = actingUser(request);
    const issued = await services.keys.createKey(
      request.owner.account.id,
      { mode: request.body.mode, ...settings(request.body), name: request.body.name },
      actor,
    );
    return reply.code(201).send({ key: await view(issued.key), secret: issued.secret });
  });

  app.patch('/keys/:id', { schema: { params: IdParams, body: SettingsBody, response: { 200: KeyAnswer } } }, async (request) => {
    const { actor, scope } = actingUser(request);
    return { key: await view(await services.keys.updateKey(request.params.id, scope, settings(request.body), actor)) };
  });

  for (const [action, method] of [
    ['deactivate', 'deactivateKey'],
    ['reactivate', 'reactivateKey'],
    ['revoke', 'revokeKey'],
    ['dismiss-leak', 'dismissLeak'],
  ] as const) {
    app.post(`/keys/:id/${action}`, { schema: { params: IdParams, response: { 200: KeyAnswer } } }, async (request) => {
      const { actor, scope } = actingUser(request);
      return { key: await view(await services.keys[method](request.params.id, scope, actor)) };
    });
  }

  app.post(
    '/keys/:id/rotate',
    // Every field is optional, so a bodiless POST means "rotate now, default name".
    {
      schema: { params: IdParams, body: RotateBody, response: { 201: RotatedKeyAnswer } },
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const { actor, scope } = actingUser(request);
      const { grace_seconds: graceSeconds, name } = request.body;
      const issued = await services.keys.rotateKey(request.params.id, scope, { graceSeconds, ...(name !== undefined && { name }) }, actor);
      const previous = await services.keys.getKey(request.params.id, scope, { includeRevoked: true });
      return reply.code(201).send({ key: await view(issued.key), secret: issued.secret, previous: await view(previous) });
    },
  );

  // Every OAuth access token of the key dies at once; the key itself keeps working.
  app.post('/keys/:id/revoke-tokens', { schema: { params: IdParams, response: { 200: TokensRevokedAnswer } } }, async (request) => {
    const { actor, scope } = actingUser(request);
    const revoked = await services.accessTokens.revokeAllOfKey(request.params.id, scope, actor);
    return { key: await view(await services.keys.getKey(request.params.id, scope)), revoked_tokens: revoked };
  });

  app.delete('/keys/:id', { schema: { params: IdParams, response: { 204: noContent() } } }, async (request, reply) => {
    const { actor, scope } = actingUser(request);
    await services.keys.deleteKey(request.params.id, scope, actor);
    return reply.code(204).send();
  });
};
