/**
 * The ingestion figure of `npm run bench`: tracking hits per second that POST /api/v1/collect
 * accepts, each answered only once committed, sent as the tracking script's beacon sends them.
 */
import autocannon from 'autocannon';

/** Tracking limits far above what one machine can send, but set, so both are still checked. */
export const INGESTION_ENV = { COLLECT_SITE_PER_SECOND: '1000000000', COLLECT_IP_PER_SECOND: '1000000000' };

const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

export interface Ingestion {
  eventsPerSecond: number;
  /** Answers other than 2xx, and connection errors: any makes the figure meaningless. */
  refused: number;
}

export async function measureIngestion(keygateUrl: string, siteKey: string, connections: number, seconds: number, warmupSeconds: number): Promise<Ingestion> {
  const request = {
    url: `${keygateUrl}/api/v1/collect`,
    method: 'POST' as const,
    connections,
    headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': BROWSER },
    body: JSON.stringify({ site: siteKey, url: 'https://bench.example.com/pricing?plan=pro', referrer: 'https://news.example.org/item?id=1' }),
  };
  await autocannon({ ...request, duration: warmupSeconds });
  const result = await autocannon({ ...request, duration: seconds });
  return { eventsPerSecond: result.requests.average, refused: result.non2xx + result.errors };
}
