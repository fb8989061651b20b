import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteChangeSignal, UNANNOUNCED_WRITES_SEEN_WITHIN_MS } from './sqlite-change-signal.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A process's view of one database file: its own connection and signal. */
async function openProcess(dir: string) {
  const connection = new BetterSqlite3(join(dir, 'keygate.db'));
  connection.pragma('journal_mode = WAL');
  const signal = await SqliteChangeSignal.open(connection, join(dir, 'keygate-changes'));
  cleanup.push(
    () => signal.close(),
    () => void connection.close(),
  );
  return { connection, signal };
}

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-signal-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('SqliteChangeSignal', () => {
  it("moves every other process's version before an announcement returns, without a query per read", async () => {
    const dir = freshDir();
    const server = await openProcess(dir);
    const cli = await openProcess(dir);
    const before = server.signal.version();
    expect(server.signal.version()).toBe(before);
    await cli.signal.announce();
    expect(server.signal.version()).not.toBe(before);
    const own = cli.signal.version();
    await server.signal.announce();
    expect(cli.signal.version()).not.toBe(own);
  });

  it('removes the socket of a process that died and goes on', async () => {
    const dir = freshDir();
    const { signal } = await openProcess(dir);
    const dead = join(dir, 'keygate-changes', '999999-dead.sock');
    writeFileSync(dead, '');
    await signal.announce();
    expect(existsSync(dead)).toBe(false);
    expect(readdirSync(join(dir, 'keygate-changes'))).toHaveLength(1);
  });

  it("sees a commit nobody announced (an operator's sqlite3 shell) within a second", async () => {
    const dir = freshDir();
    const { connection, signal } = await openProcess(dir);
    connection.exec('create table t (x)');
    const before = signal.version();
    const shell = new BetterSqlite3(join(dir, 'keygate.db'));
    cleanup.push(() => void shell.close());
    shell.exec('insert into t values (1)');
    await new Promise((resolve) => setTimeout(resolve, UNANNOUNCED_WRITES_SEEN_WITHIN_MS + 50));
    expect(signal.version()).not.toBe(before);
  });
});
