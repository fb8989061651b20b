import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { clientIpResolver, normalizeIp } from './client-ip.js';

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as FastifyRequest;

describe('client IP', () => {
  it('writes IPv4-mapped IPv6 as IPv4', () => {
    expect(normalizeIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeIp('::1')).toBe('::1');
  });

  it('ignores X-Forwarded-For without trusted proxies', () => {
    expect(clientIpResolver([])(request('::ffff:198.51.100.1', '203.0.113.9'))).toBe('198.51.100.1');
  });

  it('ignores X-Forwarded-For from an untrusted socket', () => {
    expect(clientIpResolver(['10.0.0.0/8'])(request('198.51.100.1', '203.0.113.9'))).toBe('198.51.100.1');
  });

  it('takes the rightmost address that is not a trusted proxy', () => {
    const resolve = clientIpResolver(['10.0.0.0/8', '2001:db8::/32']);
    expect(resolve(request('10.0.0.1', '203.0.113.9'))).toBe('203.0.113.9');
    expect(resolve(request('10.0.0.1', '1.1.1.1, 203.0.113.9, 10.0.0.7'))).toBe('203.0.113.9');
    expect(resolve(request('2001:db8::1', '2001:db9::5'))).toBe('2001:db9::5');
    expect(resolve(request('10.0.0.1', '10.0.0.5, 10.0.0.6'))).toBe('10.0.0.5');
    expect(resolve(request('10.0.0.1'))).toBe('10.0.0.1');
  });

  it('never returns an unparseable hop', () => {
    const resolve = clientIpResolver(['10.0.0.0/8']);
    expect(resolve(request('10.0.0.1', "' OR 1=1 --"))).toBe('10.0.0.1');
    expect(resolve(request('10.0.0.1', 'garbage, 10.0.0.9'))).toBe('10.0.0.9');
  });
});
