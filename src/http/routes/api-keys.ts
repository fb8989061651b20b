import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../core/services.js';
import { inMode } from '../api-key-auth.js';
import { RestKeyList, RestKeyRevoked } from '../responses.js';
import { API_KEY_SECURITY, AUTH_ERRORS, errorResponses, IdParams } from '../schemas.js';
import { keyView } from '../views.js';

export const apiKeyRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/api-keys',
    {
      schema: {
        summary: "List the account's API keys (never their secrets); revoked keys are left out",
        tags: ['API keys'],
        security: API_KEY_SECURITY,
        response: { 200: RestKeyList, ...errorResponses(...AUTH_ERRORS) },
      },
    },
    async (request) => {
      const keys = await services.keys.listKeys(request.apiKey.accountId);
      return inMode(request, { api_keys: keys.map(keyView) });
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      schema: {
        summary: 'Revoke an API key of the account, at once and for good (a key may revoke itself); test keys do a dry run',
        tags: ['API keys'],
        security: API_KEY_SECURITY,
        params: IdParams,
        response: {
          200: RestKeyRevoked,
          ...errorResponses(...AUTH_ERRORS, 'KEY_NOT_FOUND'),
        },
      },
    },
    async (request) => {
      const scope = { accountId: request.apiKey.accountId };
      const key =
        request.apiKey.mode === 'test'
          ? await services.keys.getKey(request.params.id, scope)
          : await services.keys.revokeKey(request.params.id, scope, { apiKeyId: request.apiKey.id });
      return inMode(request, { id: key.id, revoked: true as const });
    },
  );
};
