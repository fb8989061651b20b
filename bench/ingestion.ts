/**
 * The ingestion figure of `npm run bench`: tracking hits that POST /api/v1/collect accepts,
 * each answered only once committed, sent as the tracking script's beacon sends them.
 */

/** Tracking limits far above what one machine can send, but set, so both are still checked. */
export const INGESTION_ENV = { COLLECT_SITE_PER_SECOND: '1000000000', COLLECT_IP_PER_SECOND: '1000000000' };

const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** What one autocannon run sends. */
export interface LoadTarget {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export function collectTarget(keygateUrl: string, siteKey: string): LoadTarget {
  return {
    url: `${keygateUrl}/api/v1/collect`,
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': BROWSER },
    body: JSON.stringify({ site: siteKey, url: 'https://bench.example.com/pricing?plan=pro', referrer: 'https://news.example.org/item?id=1' }),
  };
}
