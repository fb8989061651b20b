import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { invalid, KeygateError } from '../../core/errors.js';
import type { ScannerName, Services } from '../../core/services.js';
import { validationMessage } from '../errors.js';
import { noContent, ScanLabelsAnswer } from '../responses.js';
import { errorResponses } from '../schemas.js';

const ScannedToken = Type.Object({
  token: Type.String({ description: 'The string the scanner found' }),
  type: Type.String({ description: 'The token type the scanner matched' }),
  url: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'Where it was found' })),
  source: Type.Optional(Type.String({ description: 'GitHub: where on GitHub (content, commit, issue...)' })),
});
const ScannedBatch = Type.Array(ScannedToken);
const checkBatch = Compile(ScannedBatch);

const SignatureHeaders = (host: string) =>
  Type.Object({
    [`${host}-public-key-identifier`]: Type.Optional(Type.String({ description: 'Which of the published keys signed the body' })),
    [`${host}-public-key-signature`]: Type.Optional(Type.String({ description: 'Base64 ASN.1 DER ECDSA P-256 SHA-256 signature of the raw body' })),
  });

function single(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

/** The verified body as the batch of tokens it is, or VALIDATION_ERROR. */
function scannedTokens(body: Buffer): Static<typeof ScannedBatch> {
  let batch: unknown;
  try {
    batch = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid('body', 'is not valid JSON');
  }
  if (!checkBatch.Check(batch)) throw new KeygateError('VALIDATION_ERROR', validationMessage([...checkBatch.Errors(batch)], 'body'));
  return batch;
}

/**
 * POST /api/v1/secret-scanning/github and /gitlab (SPEC §9): the code hosts' secret-scanning
 * partner endpoints. The signature covers the body's exact bytes, so this plugin keeps them
 * (its own content parser, for these routes only) and reads the JSON only once it is verified.
 * Outside the API-key scope: not authenticated by key, not IP-blocked, not request-logged.
 */
export const secretScanningRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const hosts: Record<ScannerName, { title: string; answer: string }> = {
    github: { title: 'GitHub', answer: '200 with a label per token' },
    gitlab: { title: 'GitLab', answer: '204' },
  };
  for (const [host, { title, answer }] of Object.entries(hosts) as Array<[ScannerName, (typeof hosts)[ScannerName]]>) {
    const keyring = services.scanners[host];
    if (!keyring) continue; // GitLab's endpoint exists only while its keys URL is configured
    app.post(
      `/secret-scanning/${host}`,
      {
        schema: {
          summary: `${title} secret-scanning partner endpoint: revokes every reported key of this server; ${answer}`,
          tags: ['Leaked keys'],
          consumes: ['application/json'],
          headers: SignatureHeaders(host),
          response: {
            ...(host === 'github' ? { 200: ScanLabelsAnswer } : { 204: noContent('Received') }),
            ...errorResponses('INVALID_SIGNATURE', 'VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE', 'INTERNAL'),
          },
        },
      },
      async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const identifier = single(request.headers[`${host}-public-key-identifier`]);
        const signature = single(request.headers[`${host}-public-key-signature`]);
        if (!(await keyring.verify(identifier, signature, body))) {
          throw new KeygateError('INVALID_SIGNATURE', `Missing or invalid ${title} secret-scanning signature`);
        }
        const tokens = scannedTokens(body).map(({ token, type, url }) => ({ token, type, url: url ?? null }));
        const labels = await services.leaks.labelScanned(host, tokens);
        return host === 'github' ? reply.code(200).send(labels) : reply.code(204).send();
      },
    );
  }
};
