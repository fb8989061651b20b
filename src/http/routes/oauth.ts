import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { ACCESS_TOKEN_TTL_SECONDS, type ClientCredentials } from '../../core/access-tokens.js';
import { IP_BLOCKED_MESSAGE } from '../../core/authenticator.js';
import type { Services } from '../../core/services.js';
import { setRetryAfter } from '../errors.js';
import { noContent, OAuthErrorBody, OAuthMetadataAnswer, OAuthTokenAnswer } from '../responses.js';

/**
 * SPEC §11: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4), token revocation
 * (RFC 7009) and the authorization-server metadata (RFC 8414). These endpoints answer in the
 * RFCs' terms, `{"error", "error_description"}`, never cached; the rest of the API keeps
 * SPEC §3's three-field body.
 */

export const TOKEN_PATH = '/oauth/token';
export const REVOKE_PATH = '/oauth/revoke';
const FORM = 'application/x-www-form-urlencoded';
/** A token request is a few short parameters. */
const FORM_BODY_LIMIT = 8 * 1024;
const BASIC_REALM = 'Basic realm="keygate"';
const BAD_PERCENT_ENCODING = /%(?![0-9A-Fa-f]{2})/;

/** An RFC 6749 §5.2 error answer; `error` is the RFC's code, or SPEC's own for the IP block and the issuance limit. */
class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
    readonly retryAfterSeconds?: number,
  ) {
    super(description);
  }
}

const invalidRequest = (description: string) => new OAuthError(400, 'invalid_request', description);
/** RFC 6749 §5.2: 401 with the challenge of the scheme clients authenticate with. */
const invalidClient = (description = 'Client authentication failed') => new OAuthError(401, 'invalid_client', description, { 'www-authenticate': BASIC_REALM });

type FormParams = Record<string, string | undefined>;

/**
 * RFC 6749 Appendix B's form encoding, strictly: a parameter sent twice is refused (§3.2), one
 * sent without a value counts as absent (§3.2), a stray `%` is an error rather than a literal.
 */
function parseForm(_request: FastifyRequest, body: string, done: (error: Error | null, params?: FormParams) => void): void {
  if (BAD_PERCENT_ENCODING.test(body)) {
    done(invalidRequest('body: is not validly percent-encoded'));
    return;
  }
  const params: FormParams = Object.create(null);
  for (const [name, value] of new URLSearchParams(body)) {
    if (value === '') continue;
    if (params[name] !== undefined) {
      done(invalidRequest(`${name}: must not be repeated`));
      return;
    }
    params[name] = value;
  }
  done(null, params);
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before they are joined and base64-encoded. */
function formDecode(text: string): string {
  if (BAD_PERCENT_ENCODING.test(text)) throw invalidRequest('Authorization: client credentials are not validly form-urlencoded');
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw invalidRequest('Authorization: client credentials are not validly form-urlencoded');
  }
}

const BASIC = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i;

/**
 * The client's credentials from `client_secret_basic` or `client_secret_post`, or undefined
 * when it sent none. Both at once is refused (RFC 6749 §2.3: one method per request).
 */
function clientCredentials(request: FastifyRequest<{ Body: FormParams }>): ClientCredentials | undefined {
  const { client_id: bodyId, client_secret: bodySecret } = request.body;
  const header = request.headers.authorization;
  if (header === undefined) {
    if (bodySecret === undefined) return undefined;
    if (bodyId === undefined) throw invalidRequest('client_id: is required with client_secret');
    return { clientId: bodyId, clientSecret: bodySecret };
  }
  if (bodySecret !== undefined) throw invalidRequest('client authentication: use HTTP Basic or client_secret in the body, not both');
  const basic = BASIC.exec(header);
  if (!basic) throw invalidClient('Client authentication failed: use HTTP Basic (client_secret_basic) or client_secret_post');
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidRequest('Authorization: Basic credentials must be client_id:client_secret');
  const credentials = { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
  if (bodyId !== undefined && bodyId !== credentials.clientId) throw invalidRequest('client_id: differs from the one in the Authorization header');
  return credentials;
}

function sendOAuthError(reply: FastifyReply, error: OAuthError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) setRetryAfter(reply, error.retryAfterSeconds);
  const body: OAuthErrorBody = { error: error.error, error_description: error.description };
  return reply.code(error.status).headers(error.headers).type('application/json; charset=utf-8').send(body);
}

/** Every failure of these endpoints, the framework's included, in RFC 6749 §5.2's shape. */
function handleOAuthError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof OAuthError) return sendOAuthError(reply, error);
  if (error.validation) return sendOAuthError(reply, invalidRequest(`body: must be ${FORM} parameters`));
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendOAuthError(reply, invalidRequest(`body: Content-Type must be ${FORM}`));
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendOAuthError(reply, new OAuthError(413, 'invalid_request', 'body: is too large'));
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
    return sendOAuthError(reply, invalidRequest(`request: ${error.message}`));
  request.log.error({ err: error }, 'unhandled error');
  return sendOAuthError(reply, new OAuthError(500, 'server_error', 'Internal server error'));
}

const errors = (described: Record<number, string>): Record<number, TSchema> =>
  Object.fromEntries(Object.entries(described).map(([status, description]) => [status, { ...OAuthErrorBody, description }]));
const CLIENT_FIELDS = {
  client_id: Type.Optional(Type.String({ description: "The API key's id (client_secret_post; or send HTTP Basic)", examples: ['key_0123456789abcdef'] })),
  client_secret: Type.Optional(Type.String({ description: 'The API key itself (client_secret_post; or send HTTP Basic)' })),
};

export interface OAuthRouteOptions {
  services: Services;
  /** OAUTH_ISSUER; when unset, the issuer is the origin each metadata request was made to. */
  issuer: string | undefined;
}

export const oauthRoutes: FastifyPluginAsync<OAuthRouteOptions> = async (app, { services, issuer }) => {
  app.get(
    '/.well-known/oauth-authorization-server',
    {
      schema: {
        summary: 'OAuth 2.0 authorization-server metadata (RFC 8414)',
        tags: ['OAuth 2.0'],
        response: {
          200: OAuthMetadataAnswer,
        },
      },
    },
    async (request) => {
      const base = issuer ?? `${request.protocol}://${request.host}`;
      const methods = ['client_secret_basic', 'client_secret_post'];
      return {
        issuer: base,
        token_endpoint: base + TOKEN_PATH,
        revocation_endpoint: base + REVOKE_PATH,
        grant_types_supported: ['client_credentials'],
        // Required by RFC 8414 §2; none, as there is no authorization endpoint.
        response_types_supported: [],
        token_endpoint_auth_methods_supported: methods,
        revocation_endpoint_auth_methods_supported: methods,
        service_documentation: `${base}/docs`,
      };
    },
  );

  await app.register(async (endpoints) => {
    endpoints.removeAllContentTypeParsers();
    endpoints.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, parseForm);
    endpoints.setErrorHandler(handleOAuthError);
    // SPEC §3 check 1, before the body is read: a blocked IP gets nothing else.
    endpoints.addHook('onRequest', async (request) => {
      if (await services.failedAuth.isBlocked(request.clientIp)) throw new OAuthError(403, 'IP_BLOCKED', IP_BLOCKED_MESSAGE);
    });
    // RFC 6749 §5.1: neither tokens nor errors are cached anywhere.
    endpoints.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    });

    endpoints.post<{ Body: FormParams }>(
      TOKEN_PATH,
      {
        schema: {
          summary: 'Obtain an access token for an API key (client credentials, RFC 6749 §4.4)',
          description: `Authenticate as the key: HTTP Basic \`key_…:sk_…\`, or \`client_id\` and \`client_secret\` in the body. The token (\`at_…\`) works wherever the key does for ${ACCESS_TOKEN_TTL_SECONDS} seconds, or until the key stops working.`,
          tags: ['OAuth 2.0'],
          consumes: [FORM],
          body: Type.Object({
            grant_type: Type.Optional(Type.String({ examples: ['client_credentials'] })),
            ...CLIENT_FIELDS,
            scope: Type.Optional(Type.String()),
          }),
          response: {
            200: OAuthTokenAnswer,
            ...errors({
              400: 'invalid_request, unsupported_grant_type, invalid_scope',
              401: 'invalid_client',
              403: 'IP_BLOCKED',
              429: 'RATE_LIMITED: too many tokens for this key in a minute',
            }),
          },
        },
      },
      async (request, reply) => {
        const credentials = clientCredentials(request);
        const { grant_type: grantType, scope } = request.body;
        if (grantType === undefined) throw invalidRequest('grant_type: is required');
        if (grantType !== 'client_credentials') throw new OAuthError(400, 'unsupported_grant_type', 'grant_type: only client_credentials is supported');
        if (scope !== undefined) throw new OAuthError(400, 'invalid_scope', 'scope: scopes are not supported; a token can do what its key can');
        if (!credentials) throw invalidClient('Client authentication required: HTTP Basic or client_id and client_secret');
        const issued = await services.accessTokens.issue(credentials, request.clientIp);
        if (issued.ok) return reply.send({ access_token: issued.accessToken, token_type: 'Bearer', expires_in: issued.expiresIn });
        if (issued.code === 'INVALID_CLIENT') throw invalidClient();
        throw new OAuthError(429, 'RATE_LIMITED', `Too many tokens: this key may obtain ${issued.perMinute} tokens per minute`, {}, issued.retryAfterSeconds);
      },
    );

    endpoints.post<{ Body: FormParams }>(
      REVOKE_PATH,
      {
        schema: {
          summary: 'Revoke an access token (RFC 7009)',
          description: "Answers 200 whether or not the token was live; only the authenticated key's own tokens are revoked.",
          tags: ['OAuth 2.0'],
          consumes: [FORM],
          body: Type.Object({ token: Type.Optional(Type.String()), token_type_hint: Type.Optional(Type.String()), ...CLIENT_FIELDS }),
          response: { 200: noContent('Revoked, or nothing to revoke'), ...errors({ 400: 'invalid_request', 401: 'invalid_client', 403: 'IP_BLOCKED' }) },
        },
      },
      async (request, reply) => {
        const credentials = clientCredentials(request);
        const { token } = request.body;
        if (token === undefined) throw invalidRequest('token: is required');
        if (!credentials) throw invalidClient('Client authentication required: HTTP Basic or client_id and client_secret');
        const revoked = await services.accessTokens.revoke(credentials, token, request.clientIp);
        if (!revoked.ok) throw invalidClient();
        return reply.code(200).send();
      },
    );
  });
};
