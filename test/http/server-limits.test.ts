import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.js';
import { expectError } from './expect-error.js';
import { openSocket, parseResponse, readUntilClosed } from './raw-http.js';

/** What the server sent before closing `socket`, or 'still open' if it has not closed it within `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<string> {
  return Promise.race([readUntilClosed(socket), new Promise<string>((done) => setTimeout(() => done('still open'), ms))]);
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { HEADERS_TIMEOUT_MS: '300', REQUEST_TIMEOUT_MS: '600', KEEP_ALIVE_TIMEOUT_MS: '300', IDLE_TIMEOUT_MS: '5000' } });
});
afterAll(() => server.close());

describe('slow and idle clients', () => {
  it('answers 408 REQUEST_TIMEOUT and closes the connection when a body stalls', async () => {
    const socket = await openSocket(server.url);
    socket.write('POST /api/v1/collect HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n{"site":');
    const sent = await closedWithin(socket, 5000);
    expectError(parseResponse(sent), 408, 'REQUEST_TIMEOUT', 'The request did not arrive in time');
  });

  it('answers 408 REQUEST_TIMEOUT and closes the connection when headers stall', async () => {
    const socket = await openSocket(server.url);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    expectError(parseResponse(await closedWithin(socket, 5000)), 408, 'REQUEST_TIMEOUT');
  });

  it('closes an idle keep-alive connection after answering', async () => {
    const socket = await openSocket(server.url);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const sent = await closedWithin(socket, 5000);
    expect(parseResponse(sent).status).toBe(200);
  });
});

describe('the connection limit', () => {
  it('closes connections past MAX_CONNECTIONS, logs it once however many, and serves again when they go', async () => {
    const capped = await startTestServer({ env: { MAX_CONNECTIONS: '3' } });
    try {
      const held = await Promise.all(Array.from({ length: 3 }, () => openSocket(capped.url)));
      const refused = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const socket = await openSocket(capped.url);
          socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
          return closedWithin(socket, 5000);
        }),
      );
      expect(refused).toEqual(Array(10).fill(''));
      const lines = capped.logs.map((line) => JSON.parse(line)).filter((line) => line.msg?.startsWith('connection limit reached'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 40, maxConnections: 3, refused: 1 });
      const released = held.map((socket) => readUntilClosed(socket));
      for (const socket of held) socket.end();
      await Promise.all(released);
      expect((await capped.call('/healthz')).status).toBe(200);
    } finally {
      await capped.close();
    }
  });
});
