import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { invalid } from '../core/errors.js';
import { textProblem } from '../lib/text.js';

function isEmpty(value: object): boolean {
  for (const _ in value) return false;
  return true;
}

/**
 * Throws VALIDATION_ERROR naming the first string (or field name) in `root` that cannot be
 * stored as given. Iterative: a hostile body may nest deeper than the call stack goes.
 */
function checkText(root: unknown, rootPath: string): void {
  if (root === undefined || root === null || (typeof root === 'object' && isEmpty(root))) return;
  const pending: Array<[unknown, string]> = [[root, rootPath]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) throw invalid(path || 'body', problem);
    } else if (value !== null && typeof value === 'object') {
      for (const field in value) {
        if (!Object.hasOwn(value, field)) continue;
        const problem = textProblem(field);
        if (problem) throw invalid(path || 'body', `field names ${problem}`);
        pending.push([(value as Record<string, unknown>)[field], path ? `${path}.${field}` : field]);
      }
    }
  }
}

/**
 * The preValidation hook of every route: no text field of a body, query or path may hold a
 * lone surrogate or a non-character. One check for all, ahead of each route's schema, so a
 * new route cannot forget it. Fields are named as schema errors name them (`restrictions.ips.0`).
 */
export function rejectUnstorableText(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  try {
    checkText(request.params, '');
    checkText(request.query, '');
    checkText(request.body, '');
  } catch (error) {
    done(error as Error);
    return;
  }
  done();
}
