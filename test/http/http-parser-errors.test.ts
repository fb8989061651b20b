import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from './expect-error.js';
import { parseResponse, rawRequest } from './raw-http.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const request = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

describe("requests that Node's HTTP parser refuses", () => {
  it.each([
    ['a NUL byte in a header value', request(['GET /api/v1/sites HTTP/1.1', 'Host: x', 'X-Note: a\0b']), 400, 'VALIDATION_ERROR', /^headers: /],
    ['an obs-fold continuation line', request(['GET /api/v1/sites HTTP/1.1', 'Host: x', 'X-Note: a', ' folded']), 400, 'VALIDATION_ERROR', /^headers: /],
    ['a lower-case method', request(['get /api/v1/sites HTTP/1.1', 'Host: x']), 400, 'VALIDATION_ERROR', /^method: /],
    ['an unknown protocol version', request(['GET /healthz HTTP/7.0', 'Host: x']), 400, 'VALIDATION_ERROR', /^request: /],
    ['a URL over the header limit', request([`GET /api/v1/sites?q=${'a'.repeat(20_000)} HTTP/1.1`, 'Host: x']), 414, 'URI_TOO_LONG', 'url: is too long'],
    [
      'headers over the limit',
      request(['GET /api/v1/sites HTTP/1.1', 'Host: x', `X-Padding: ${'a'.repeat(20_000)}`]),
      431,
      'HEADERS_TOO_LARGE',
      'headers: are too large',
    ],
  ])('answers %s with the three-field error body', async (_name, bytes, status, code, message) => {
    const answer = parseResponse(await rawRequest(server.url, bytes));
    expectError(answer, status, code, message);
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(answer.headers.get('content-length'))).toBe(Buffer.byteLength(answer.text));
  });

  it('keeps serving well-formed requests afterwards', async () => {
    await rawRequest(server.url, request(['get / HTTP/1.1', 'Host: x']));
    expect((await server.call('/healthz')).status).toBe(200);
  });
});
