import { connect, type Socket } from 'node:net';
import type { CallResult } from '../harness.js';

/** Host and port of a server's `http://host:port` address. */
function endpoint(url: string): { host: string; port: number } {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port) };
}

/** A raw TCP connection to the server, open once connected. */
export function openSocket(url: string): Promise<Socket> {
  return new Promise((done, fail) => {
    const socket = connect(endpoint(url), () => done(socket));
    socket.once('error', fail);
  });
}

/** Everything the server sends on `socket` until it closes the connection. */
export function readUntilClosed(socket: Socket): Promise<string> {
  return new Promise((done) => {
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => done(received));
  });
}

/** Sends `bytes` as they are, with no client-side HTTP in between, and returns the server's answer. */
export async function rawRequest(url: string, bytes: string): Promise<string> {
  const socket = await openSocket(url);
  const answer = readUntilClosed(socket);
  socket.write(bytes);
  return answer;
}

/** The first HTTP response in `raw`, shaped like the harness's call results. */
export function parseResponse(raw: string): CallResult {
  const [head = '', ...rest] = raw.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = new Headers();
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers.append(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const text = rest.join('\r\n\r\n');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: Number(statusLine.split(' ')[1]), headers, text, body };
}
