import { BlockList, isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`) written as IPv4. */
export function normalizeIp(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/**
 * SPEC §3: the socket's address, unless the socket is a trusted proxy; then the rightmost
 * X-Forwarded-For address that is not a trusted proxy. An unparseable hop stops the walk
 * at the last trusted address, so a forged header can never yield an arbitrary string.
 */
export function clientIpResolver(trustProxy: readonly string[]): (request: FastifyRequest) => string {
  const trusted = new BlockList();
  for (const entry of trustProxy) {
    const [address = '', prefix] = entry.split('/');
    trusted.addSubnet(address, prefix === undefined ? (isIP(address) === 4 ? 32 : 128) : Number(prefix), family(address));
  }
  const isTrusted = (address: string) => trustProxy.length > 0 && trusted.check(address, family(address));

  return function clientIp(request) {
    let client = normalizeIp(request.socket.remoteAddress ?? '');
    if (!isTrusted(client)) return client;
    const header = request.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalizeIp(hops[i]!.trim());
      if (isIP(hop) === 0) return client;
      client = hop;
      if (!isTrusted(hop)) return hop;
    }
    return client;
  };
}
