import { describe, expect, it } from 'vitest';
import { compileRestrictions, normalizeRestrictions, type RequestTraits } from './restrictions.js';

const request = (overrides: Partial<RequestTraits> = {}): RequestTraits => ({
  ip: '203.0.113.7',
  origin: undefined,
  referer: undefined,
  method: 'GET',
  route: '/api/v1/sites',
  ...overrides,
});

describe('restrictions', () => {
  it('admits everything when there are none', () => {
    expect(compileRestrictions({}).check(request())).toBeUndefined();
  });

  it('matches IPs and CIDRs, v4 and v6', () => {
    const matcher = compileRestrictions(normalizeRestrictions({ ips: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.9'] }));
    expect(matcher.check(request({ ip: '203.0.113.200' }))).toBeUndefined();
    expect(matcher.check(request({ ip: '198.51.100.9' }))).toBeUndefined();
    expect(matcher.check(request({ ip: '2001:db8:1::5' }))).toBeUndefined();
    expect(matcher.check(request({ ip: '198.51.100.10' }))).toBe('ip');
    expect(matcher.check(request({ ip: '2001:db9::1' }))).toBe('ip');
  });

  it('matches origins with scheme and port significant, wildcards for subdomains only', () => {
    const matcher = compileRestrictions(normalizeRestrictions({ referrers: ['https://app.example.com', 'https://*.example.org', 'http://localhost:8080'] }));
    expect(matcher.check(request({ origin: 'https://app.example.com' }))).toBeUndefined();
    expect(matcher.check(request({ referer: 'https://app.example.com/some/page?q=1' }))).toBeUndefined();
    expect(matcher.check(request({ origin: 'https://a.b.example.org' }))).toBeUndefined();
    expect(matcher.check(request({ origin: 'http://localhost:8080' }))).toBeUndefined();
    expect(matcher.check(request({ origin: 'https://example.org' }))).toBe('referrer');
    expect(matcher.check(request({ origin: 'http://app.example.com' }))).toBe('referrer');
    expect(matcher.check(request({ origin: 'https://app.example.com:8443' }))).toBe('referrer');
    expect(matcher.check(request({ origin: 'http://localhost:8081' }))).toBe('referrer');
    expect(matcher.check(request({ origin: 'https://evilexample.org' }))).toBe('referrer');
    expect(matcher.check(request())).toBe('referrer');
    // Origin wins over Referer.
    expect(matcher.check(request({ origin: 'https://evil.com', referer: 'https://app.example.com/' }))).toBe('referrer');
  });

  it('matches endpoints exactly, method included', () => {
    const matcher = compileRestrictions(normalizeRestrictions({ endpoints: ['get /api/v1/sites'] }));
    expect(matcher.check(request())).toBeUndefined();
    expect(matcher.check(request({ route: '/api/v1/sites/:id' }))).toBe('endpoint');
    expect(matcher.check(request({ method: 'DELETE' }))).toBe('endpoint');
  });

  it('checks IP, then referrer, then endpoint', () => {
    const matcher = compileRestrictions(normalizeRestrictions({ ips: ['10.0.0.1'], referrers: ['https://a.example'], endpoints: ['GET /x'] }));
    expect(matcher.check(request())).toBe('ip');
    expect(matcher.check(request({ ip: '10.0.0.1' }))).toBe('referrer');
    expect(matcher.check(request({ ip: '10.0.0.1', origin: 'https://a.example' }))).toBe('endpoint');
  });

  it('normalises entries and removes duplicates', () => {
    expect(normalizeRestrictions({ ips: [' 10.0.0.1 ', '10.0.0.1'], endpoints: ['delete   /api/v1/api-keys/:id'], referrers: [] })).toEqual({
      ips: ['10.0.0.1'],
      endpoints: ['DELETE /api/v1/api-keys/:id'],
    });
  });

  it.each([
    [{ ips: ['10.0.0.300'] }, 'restrictions.ips: "10.0.0.300" is not an IP address or CIDR'],
    [{ ips: ['10.0.0.0/33'] }, 'restrictions.ips'],
    [{ ips: ["' OR 1=1 --"] }, 'restrictions.ips'],
    [{ referrers: ['example.com'] }, 'restrictions.referrers'],
    [{ referrers: ['https://example.com/path'] }, 'restrictions.referrers'],
    [{ referrers: ['https://*'] }, 'restrictions.referrers: "https://*" is not an origin'],
    [{ referrers: ['https://*.'] }, 'restrictions.referrers'],
    [{ referrers: ['https://*.*.example.com'] }, 'restrictions.referrers'],
    [{ referrers: ['https://app*.example.com'] }, 'restrictions.referrers'],
    [{ endpoints: ['FETCH /api'] }, 'restrictions.endpoints'],
    [{ endpoints: ['GET api/v1/sites'] }, 'restrictions.endpoints'],
    [{ ips: Array.from({ length: 101 }, (_, i) => `10.0.0.${i % 250}`) }, 'restrictions.ips: at most 100 entries'],
  ])('refuses %j', (input, message) => {
    expect(() => normalizeRestrictions(input)).toThrow(message);
  });
});
