import type { CallResult, TestServer } from '../harness.js';

export const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

export interface HitOptions {
  url?: string;
  referrer?: string;
  userAgent?: string;
  headers?: Record<string, string>;
}

/** One POST /api/v1/collect as the tracking script's sendBeacon sends it (text/plain JSON), from a Chrome browser unless told otherwise. */
export function collectHit(
  server: TestServer,
  siteKey: string,
  { url = 'https://example.com/', referrer, userAgent = CHROME_UA, headers = {} }: HitOptions = {},
): Promise<CallResult> {
  return server.call('/api/v1/collect', {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': userAgent, ...headers },
    body: JSON.stringify({ site: siteKey, url, ...(referrer !== undefined && { referrer }) }),
  });
}
