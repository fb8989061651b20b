import { isIP } from 'node:net';

/** Hosts that mean "every interface": a browser on this machine reaches them as localhost. */
const EVERY_INTERFACE = new Set(['0.0.0.0', '::', '']);

/**
 * Where to open the dashboard of a server configured with `host` that listens at `listeningAt`
 * (an address as Fastify reports it, with the port actually bound, so PORT=0 shows the real one).
 *
 * @example
 * dashboardUrl('0.0.0.0', 'http://127.0.0.1:3000'); // 'http://localhost:3000/'
 * dashboardUrl('::1', 'http://[::1]:8080');          // 'http://[::1]:8080/'
 */
export function dashboardUrl(host: string, listeningAt: string): string {
  const url = new URL(listeningAt);
  url.hostname = EVERY_INTERFACE.has(host) ? 'localhost' : isIP(host) === 6 ? `[${host}]` : host;
  url.pathname = '/';
  return url.toString();
}
