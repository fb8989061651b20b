import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { invalid } from '../../core/errors.js';
import type { LoggedRequest, RequestLogFilter } from '../../core/ports.js';
import type { Services } from '../../core/services.js';
import { csvLine } from '../../lib/csv.js';
import { LogPageAnswer } from '../responses.js';
import { loggedRequestView } from '../views.js';
import { PageFields, pageLimit } from './paging.js';

const STATUS_CLASSES = { '2xx': { min: 200, max: 299 }, '4xx': { min: 400, max: 499 }, '5xx': { min: 500, max: 599 }, '429': { min: 429, max: 429 } } as const;

/** The export's columns, in order: the fields of a log row. */
const CSV_COLUMNS = [
  'time',
  'key_id',
  'key_name',
  'mode',
  'method',
  'route',
  'path',
  'status',
  'code',
  'duration_ms',
  'ip',
  'referrer',
  'user_agent',
  'credits',
  'auth',
  'id',
  'requests',
] as const;

/** The CSV text of the rows, the header first, a slice of rows at a time. */
async function* csvOf(slices: AsyncIterable<readonly LoggedRequest[]>): AsyncGenerator<string> {
  yield csvLine(CSV_COLUMNS);
  for await (const rows of slices) {
    yield rows
      .map((row) => {
        const view = loggedRequestView(row);
        return csvLine(CSV_COLUMNS.map((column) => view[column]));
      })
      .join('');
  }
}

const FilterFields = {
  key: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  request_id: Type.Optional(Type.String({ pattern: '^req_[0-9A-Za-z]{20}$', description: 'req_ and 20 base62 characters' })),
  status: Type.Optional(Type.Union(Object.keys(STATUS_CLASSES).map((name) => Type.Literal(name)))),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
};
const FilterQuery = Type.Object(FilterFields, { additionalProperties: false });
const PageQuery = Type.Object({ ...FilterFields, ...PageFields }, { additionalProperties: false });

function filterOf(accountId: string, query: Static<typeof FilterQuery>): RequestLogFilter & { accountId: string } {
  const filter: RequestLogFilter & { accountId: string } = { accountId };
  if (query.key !== undefined) filter.keyId = query.key;
  if (query.request_id !== undefined) filter.id = query.request_id;
  if (query.status !== undefined) filter.status = STATUS_CLASSES[query.status as keyof typeof STATUS_CLASSES];
  if (query.from !== undefined) filter.from = Date.parse(query.from);
  if (query.to !== undefined) filter.to = Date.parse(query.to);
  if (filter.from !== undefined && filter.to !== undefined && filter.to < filter.from) throw invalid('to', 'must not be before from');
  return filter;
}

export const logRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get('/logs', { schema: { querystring: PageQuery, response: { 200: LogPageAnswer } } }, async (request) => {
    const { cursor, limit, ...filters } = request.query;
    const page = await services.requestLogs.page(filterOf(request.owner.account.id, filters), cursor, pageLimit(limit));
    return { logs: page.rows.map(loggedRequestView), next_cursor: page.nextCursor, total: page.total };
  });

  app.get('/logs.csv', { schema: { querystring: FilterQuery } }, async (request, reply) => {
    const rows = csvOf(services.requestLogs.exportRows(filterOf(request.owner.account.id, request.query)));
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="keygate-logs.csv"').send(Readable.from(rows));
  });
};
