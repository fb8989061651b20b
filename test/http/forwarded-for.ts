/**
 * Headers that make a request look as if it came from `ip` through the loopback proxy;
 * the server must run with `TRUST_PROXY: '127.0.0.1'` for them to count.
 */
export function forwardedFor(ip: string): Record<string, string> {
  return { 'x-forwarded-for': ip };
}
