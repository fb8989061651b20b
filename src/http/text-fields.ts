import type { FastifyRequest } from 'fastify';
import { invalid } from '../core/errors.js';
import { textProblem } from '../lib/text.js';

/**
 * Throws VALIDATION_ERROR naming the first string (or field name) in `root` that cannot be
 * stored as given. Iterative: a hostile body may nest deeper than the call stack goes.
 */
function checkText(root: unknown, rootPath: string): void {
  const pending: Array<[unknown, string]> = [[root, rootPath]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) throw invalid(path || 'body', problem);
    } else if (value !== null && typeof value === 'object') {
      for (const [field, item] of Object.entries(value)) {
        const problem = textProblem(field);
        if (problem) throw invalid(path || 'body', `field names ${problem}`);
        pending.push([item, path ? `${path}.${field}` : field]);
      }
    }
  }
}

/**
 * The preValidation hook of every route: no text field of a body, query or path may hold a
 * lone surrogate or a non-character. One check for all, ahead of each route's schema, so a
 * new route cannot forget it. Fields are named as schema errors name them (`restrictions.ips.0`).
 */
export async function rejectUnstorableText(request: FastifyRequest): Promise<void> {
  for (const part of [request.params, request.query, request.body]) checkText(part, '');
}
