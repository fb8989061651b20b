import type { FastifyInstance } from 'fastify';

export interface RouteEntry {
  method: string;
  /** The URL template, e.g. `/api/v1/sites/:id`. */
  url: string;
}

/**
 * Every route the server has, read from Fastify's own route tree (printRoutes), so that a
 * route added tomorrow is in it without anyone listing it. HEAD routes are left out: Fastify
 * adds one beside each GET, answered by the same handler.
 */
export function routeTable(app: FastifyInstance): RouteEntry[] {
  const routes: RouteEntry[] = [];
  const parents: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    const url = (parents[depth - 1] ?? '') + match[2]!;
    parents[depth] = url;
    parents.length = depth + 1;
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push({ method, url });
  }
  return routes;
}
