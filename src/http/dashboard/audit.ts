import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Services } from '../../core/services.js';
import { AuditPageAnswer } from '../responses.js';
import { auditEntryView } from '../views.js';
import { PageFields, pageLimit } from './paging.js';

export const auditRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/audit',
    { schema: { querystring: Type.Object(PageFields, { additionalProperties: false }), response: { 200: AuditPageAnswer } } },
    async (request) => {
      const page = await services.audit.page(request.owner.account.id, request.query.cursor, pageLimit(request.query.limit));
      return { entries: page.entries.map(auditEntryView), next_cursor: page.nextCursor };
    },
  );
};
