import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got: its headers, the raw body and the parsed event. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  event: { id: string; type: string; created_at: string; account_id: string; data: Record<string, any> };
}

/** What a path answers, in turn; the last answer repeats. `hang` never answers (the sender's timeout ends it). */
export type Answer = number | 'hang';

/**
 * A webhook receiver on 127.0.0.1: records every POST and answers each path as told
 * (200 unless told otherwise). Tests wait for what they expect rather than for time.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private readonly answers = new Map<string, Answer[]>();
  private readonly hanging = new Set<ServerResponse>();
  private server!: Server;
  private base = '';

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.server = createServer((request, response) => {
      let raw = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        receiver.received.push({ path, headers: request.headers, raw, event: JSON.parse(raw) });
        const queue = receiver.answers.get(path) ?? [200];
        const answer = queue.length > 1 ? queue.shift()! : queue[0]!;
        if (answer === 'hang') {
          receiver.hanging.add(response);
          response.on('close', () => receiver.hanging.delete(response));
          return;
        }
        response.writeHead(answer, { location: '/elsewhere' }).end('ok');
      });
    });
    await new Promise<void>((done) => receiver.server.listen(0, '127.0.0.1', done));
    receiver.base = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
    return receiver;
  }

  url(path: string): string {
    return this.base + path;
  }

  answer(path: string, ...answers: Answer[]): void {
    this.answers.set(path, answers);
  }

  /** Requests still waiting for an answer. */
  get open(): number {
    return this.hanging.size;
  }

  at(path: string): Received[] {
    return this.received.filter((request) => request.path === path);
  }

  /** Resolves with the requests to `path` once `done` holds of them (polling; fails after `timeoutMs`). */
  async waitFor(path: string, done: (requests: Received[]) => boolean, timeoutMs = 15_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.at(path))) {
      if (Date.now() > deadline)
        throw new Error(`receiver: ${path} got ${JSON.stringify(this.at(path).map((request) => request.event.type))} within ${timeoutMs} ms`);
      await new Promise((tick) => setTimeout(tick, 20));
    }
    return this.at(path);
  }

  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise((done) => this.server.close(done));
  }
}
