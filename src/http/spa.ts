import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic, { type SetHeadersResponse } from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { handleNotFound } from './errors.js';

/** web/dist of the package, from src/http (tsx, Vitest) and dist/http (built) alike. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Paths the server answers itself: they never fall back to the dashboard page. */
const SERVER_PREFIXES = ['/api/', '/dashboard/api/', '/oauth/', '/.well-known/'];
const SERVER_PATHS = ['/docs', '/openapi.json', '/healthz', '/readyz', '/metrics', '/t.js'];

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Keygate</title></head>
<body><p>Keygate dashboard is not built: run <code>npm run build</code>.</p></body></html>
`;

/**
 * Sent with every dashboard answer (its pages, assets and /dashboard/api): no inline or
 * foreign script, no framing (clickjacking), no type sniffing, no URL leaked to other sites.
 */
export const DASHBOARD_SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
} as const;

/** Vite names what it builds under assets/ by a hash of its content, so a name never serves other bytes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** index.html is revalidated on every visit (it names the current assets); hashed assets are kept for a year. */
function cacheHeaders(response: SetHeadersResponse, path: string): void {
  response.setHeader('cache-control', path.includes(`${sep}assets${sep}`) ? IMMUTABLE : 'no-cache');
  // The same URL answers brotli, gzip or plain bytes by Accept-Encoding.
  response.setHeader('vary', 'accept-encoding');
}

function isDashboardAnswer(url: string): boolean {
  if (url.startsWith('/api/')) return false;
  const path = url.split('?')[0]!;
  return path.startsWith('/dashboard/api/') || isClientRoute('GET', path);
}

/** A GET for a client-side route of the SPA (`/signin`, `/sites/:id`...) rather than for the server's own paths. */
function isClientRoute(method: string, url: string): boolean {
  if (method !== 'GET') return false;
  const path = url.split('?')[0]!;
  return !SERVER_PREFIXES.some((prefix) => path.startsWith(prefix)) && !SERVER_PATHS.some((own) => path === own || path.startsWith(`${own}/`));
}

/**
 * Serves the built SPA from `webRoot` under / and answers every other client route with its
 * index.html (client-side routing); everything else unknown keeps the JSON 404. Without a
 * build, client routes get a page that says how to build it. Files are sent as the build
 * compressed them (`.br`, `.gz` beside each) when the client accepts it.
 */
export async function serveDashboard(app: FastifyInstance, webRoot: string): Promise<void> {
  const built = existsSync(webRoot);
  app.addHook('onSend', (request, reply, payload, done) => {
    if (isDashboardAnswer(request.url)) reply.headers(DASHBOARD_SECURITY_HEADERS);
    done(null, payload);
  });
  if (built) await app.register(fastifyStatic, { root: webRoot, prefix: '/', preCompressed: true, cacheControl: false, setHeaders: cacheHeaders });
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    if (!isClientRoute(request.method, request.url)) return handleNotFound(request, reply);
    return built ? reply.sendFile('index.html') : reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
  });
}
