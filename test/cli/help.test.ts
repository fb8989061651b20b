import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS as ADMIN_COMMANDS } from '../../src/cli/main.js';
import { adminCli, ProcessWorld } from '../process/spawn.js';

const COMMANDS = [
  'create-account',
  'set-plan',
  'create-site',
  'create-key',
  'deactivate-key',
  'reactivate-key',
  'revoke-key',
  'delete-key',
  'rotate-key',
  'create-webhook',
  'delete-webhook',
  'webhook-deliveries',
  'logs',
];

const world = new ProcessWorld();
afterAll(() => world.cleanup());
const dataDir = world.tempDir();
const cli = adminCli({ DATA_DIR: dataDir });

/** Runs `keygate ...args` and asserts exit 0, silent stderr and usage text (not JSON) on stdout. */
async function usage(...args: string[]): Promise<string> {
  const result = await cli.run(...args);
  expect(result.stderr, `stderr of keygate ${args.join(' ')}`).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^usage: keygate admin /);
  expect(() => JSON.parse(result.stdout)).toThrow();
  return result.stdout;
}

describe.concurrent('keygate --help', () => {
  it('lists every admin command with what it does, for --help and -h, before or after "admin"', async () => {
    const outputs = await Promise.all([usage('--help'), usage('-h'), usage('admin', '--help'), usage('admin', '-h')]);
    expect(new Set(outputs).size).toBe(1);
    const listed = outputs[0]!.split('\n').filter((line) => /^ {2}\S/.test(line));
    expect(listed.map((line) => line.trim().split(/\s+/)[0])).toEqual(COMMANDS);
    for (const line of listed) expect(line.trim().split(/\s{2,}/)[1], line).toMatch(/^[A-Z]/);
    expect(outputs[0]).toContain('keygate admin <command> --help');
    // Help opens no storage.
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it("shows one command's options with --help or -h, wherever the flag sits among them", async () => {
    expect(await usage('admin', 'rotate-key', '--help')).toBe(
      'usage: keygate admin rotate-key --key ID [--grace-seconds S] [--name N]\n\nReplaces a key; the old one works --grace-seconds more (at most 7 days)\n',
    );
    expect(await usage('admin', 'logs', '--key', 'key_x', '-h')).toBe(await usage('admin', 'logs', '--help'));
  });

  it('names every option each command accepts in its usage line, and no other', () => {
    expect(Object.keys(ADMIN_COMMANDS)).toEqual(COMMANDS);
    for (const [name, command] of Object.entries(ADMIN_COMMANDS)) {
      const shown = [...command.usage.matchAll(/--([a-z-]+)/g)].map((match) => match[1]);
      expect(new Set(shown), name).toEqual(new Set(Object.keys(command.options)));
    }
  });

  it('still refuses an unknown command, with the usage in the error', async () => {
    for (const args of [['admin', 'launch-rockets', '--help'], ['--version'], ['serve', '--help']]) {
      const result = await cli.run(...args);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout).toBe('');
      expect(JSON.parse(result.stderr)).toMatchObject({
        code: 'VALIDATION_ERROR',
        error: expect.stringMatching(/is not a command; usage: keygate admin <command>/),
      });
    }
  });

  it('takes -h after an option that needs a value as that value, not as a request for help', async () => {
    const refusal = await cli.refused('create-account', '--password', '-h');
    expect(refusal.code).toBe('VALIDATION_ERROR');
    expect(refusal.error).toContain("'--password'");
  });
});
