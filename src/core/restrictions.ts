import { BlockList, isIP } from 'node:net';
import { invalid } from './errors.js';
import type { Restrictions } from './model.js';

export const ENDPOINT_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const MAX_ENTRIES = 100;

/** Which restriction a request failed, for the KEY_RESTRICTED message. */
export type RestrictionFailure = 'ip' | 'referrer' | 'endpoint';

export const RESTRICTION_MESSAGES: Record<RestrictionFailure, string> = {
  ip: 'Key restricted: client IP address not allowed',
  referrer: 'Key restricted: referrer not allowed',
  endpoint: 'Key restricted: endpoint not allowed',
};

export interface RequestTraits {
  ip: string;
  /** The Origin header, else the Referer header, as sent (may be absent). */
  origin: string | undefined;
  referer: string | undefined;
  method: string;
  /** The route template, e.g. `/api/v1/sites/:id`. */
  route: string;
}

interface OriginPattern {
  protocol: string;
  port: string;
  host: string;
  /** `*.example.com`: any subdomain at any depth, not the bare domain. */
  wildcard: boolean;
}

/** A key's restrictions compiled once, checked per request. */
export interface RestrictionMatcher {
  check(request: RequestTraits): RestrictionFailure | undefined;
}

function parseCidr(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText, extra] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return undefined;
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? '0') || prefix > max) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

const HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** A host an Origin can carry, as the URL parser writes it: a DNS name, an IPv4 address or a bracketed IPv6 one. */
function isHostName(host: string): boolean {
  if (host.startsWith('[') || isIP(host) !== 0) return true;
  return host.length <= 253 && host.split('.').every((label) => HOST_LABEL.test(label));
}

function parseOriginPattern(entry: string): OriginPattern | undefined {
  const wildcard = /^[a-z][a-z0-9+.-]*:\/\/\*\./i.test(entry);
  let url: URL;
  try {
    url = new URL(wildcard ? entry.replace('*.', 'wildcard.') : entry);
  } catch {
    return undefined;
  }
  if (url.origin === 'null' || url.pathname.replace(/\/$/, '') !== '' || url.search || url.hash || url.username) return undefined;
  const host = wildcard ? url.hostname.slice('wildcard.'.length) : url.hostname;
  // The URL parser takes `https://*` (host "*"), which no Origin header can ever match.
  if (!isHostName(host)) return undefined;
  return { protocol: url.protocol, port: url.port, host, wildcard };
}

function originOf(header: string | undefined): URL | undefined {
  if (!header) return undefined;
  try {
    const url = new URL(header);
    return url.origin === 'null' ? undefined : url;
  } catch {
    return undefined;
  }
}

function matchesOrigin(pattern: OriginPattern, url: URL): boolean {
  if (url.protocol !== pattern.protocol || url.port !== pattern.port) return false;
  return pattern.wildcard ? url.hostname.endsWith(`.${pattern.host}`) : url.hostname === pattern.host;
}

/**
 * Validates restrictions as given by a user and returns them normalised
 * (trimmed, duplicates removed, methods upper-cased). Throws VALIDATION_ERROR naming the entry.
 */
export function normalizeRestrictions(input: Restrictions): Restrictions {
  const out: Restrictions = {};
  const lists = { ips: input.ips, referrers: input.referrers, endpoints: input.endpoints };
  for (const [field, list] of Object.entries(lists) as [keyof Restrictions, string[] | undefined][]) {
    if (list === undefined || list.length === 0) continue;
    if (list.length > MAX_ENTRIES) throw invalid(`restrictions.${field}`, `at most ${MAX_ENTRIES} entries`);
    const seen = new Set<string>();
    for (const raw of list) {
      const entry = field === 'endpoints' ? normalizeEndpoint(raw) : raw.trim();
      if (field === 'ips' && !parseCidr(entry)) throw invalid('restrictions.ips', `${JSON.stringify(raw)} is not an IP address or CIDR`);
      if (field === 'referrers' && !parseOriginPattern(entry)) {
        throw invalid('restrictions.referrers', `${JSON.stringify(raw)} is not an origin such as https://app.example.com or https://*.example.com`);
      }
      seen.add(entry);
    }
    out[field] = [...seen];
  }
  return out;
}

function normalizeEndpoint(raw: string): string {
  const match = /^\s*([A-Za-z]+)\s+(\/\S*)\s*$/.exec(raw);
  const method = match?.[1]?.toUpperCase();
  if (!match || !ENDPOINT_METHODS.includes(method as (typeof ENDPOINT_METHODS)[number])) {
    throw invalid('restrictions.endpoints', `${JSON.stringify(raw)} is not "METHOD /route", e.g. "GET /api/v1/sites"`);
  }
  return `${method} ${match[2]}`;
}

const UNRESTRICTED: RestrictionMatcher = { check: () => undefined };

/** Compiles normalised restrictions; called once per cached key, not per request. */
export function compileRestrictions(restrictions: Restrictions): RestrictionMatcher {
  const { ips, referrers, endpoints } = restrictions;
  if (!ips?.length && !referrers?.length && !endpoints?.length) return UNRESTRICTED;
  let allowedIps: BlockList | undefined;
  if (ips?.length) {
    allowedIps = new BlockList();
    for (const entry of ips) {
      const cidr = parseCidr(entry)!;
      allowedIps.addSubnet(cidr.address, cidr.prefix, cidr.family);
    }
  }
  const origins = referrers?.map((entry) => parseOriginPattern(entry)!);
  const allowedEndpoints = endpoints?.length ? new Set(endpoints) : undefined;
  return {
    check(request) {
      if (allowedIps && !allowedIps.check(request.ip, isIP(request.ip) === 6 ? 'ipv6' : 'ipv4')) return 'ip';
      if (origins?.length) {
        const origin = originOf(request.origin) ?? originOf(request.referer);
        if (!origin || !origins.some((pattern) => matchesOrigin(pattern, origin))) return 'referrer';
      }
      if (allowedEndpoints && !allowedEndpoints.has(`${request.method} ${request.route}`)) return 'endpoint';
      return undefined;
    },
  };
}
