import { Redis } from 'ioredis';
import { ensureRedis } from './services.js';

/** Redis connections for one test file, as instances would open them; `closeAll` quits them. */
export class RedisClients {
  private readonly clients: Redis[] = [];

  /** A new connection: each stands for one instance of the server. */
  async connect(): Promise<Redis> {
    const client = new Redis(await ensureRedis(), { enableAutoPipelining: true });
    this.clients.push(client);
    return client;
  }

  /** Deletes every key under `prefix`, as a Redis restart without persistence would. */
  async flush(prefix: string): Promise<void> {
    const client = this.clients[0] ?? (await this.connect());
    for await (const keys of client.scanStream({ match: `${prefix}*`, count: 1000 })) {
      if ((keys as string[]).length > 0) await client.del(...(keys as string[]));
    }
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.clients.splice(0).map((client) => client.quit()));
  }
}
