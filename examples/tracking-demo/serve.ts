/**
 * Serves the tracking demo page with its embed snippet pointed at a Keygate server:
 *
 *   npx tsx examples/tracking-demo/serve.ts --keygate http://localhost:3000 --site ak_… [--port 8080]
 *
 * Every path answers the same page, as a single-page app's server does.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const PAGE = readFileSync(new URL('./index.html', import.meta.url), 'utf8');
/** What index.html's snippet says until it is served. */
const PLACEHOLDERS = { keygate: 'http://localhost:3000', site: 'ak_YourSiteKeyGoesHere00000' };

export interface DemoServer {
  url: string;
  close(): Promise<void>;
}

export async function serveDemo({ keygate, site, port = 0 }: { keygate: string; site: string; port?: number }): Promise<DemoServer> {
  const page = PAGE.replaceAll(PLACEHOLDERS.keygate, keygate).replaceAll(PLACEHOLDERS.site, site);
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((listening) => server.listen(port, '127.0.0.1', listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((closed) => server.close(() => closed())),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { keygate: { type: 'string', default: PLACEHOLDERS.keygate }, site: { type: 'string' }, port: { type: 'string', default: '8080' } },
  });
  if (!values.site) throw new Error('--site ak_… is required: the key of a site created with `npx keygate admin create-site`');
  const demo = await serveDemo({ keygate: values.keygate, site: values.site, port: Number(values.port) });
  console.log(`tracking demo on ${demo.url}, reporting to ${values.keygate}`);
}
