import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { parseExpiry } from '../core/api-keys.js';
import { type ErrorCode, invalid, KeygateError } from '../core/errors.js';
import type { Quotas } from '../core/model.js';
import type { Services } from '../core/services.js';
import { attemptView, issuedKeyView, keyAdminView, requestLogView, siteView } from '../http/views.js';
import { openKeygate } from '../runtime.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | string[] | undefined>;

export interface Command {
  /** Its options as `--help` shows them, in the README's notation: `--key ID [--limit N]`. */
  usage: string;
  /** What it does, in one line of `--help`. */
  summary: string;
  options: Options;
  run(services: Services, values: Values): Promise<object>;
}

const KEY_ID: Options = { key: { type: 'string' } };
const DEFAULT_LOG_LIMIT = 20;

function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw invalid(`--${name}`, 'is required');
  return value;
}

function optionalInteger(values: Values, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) throw invalid(`--${name}`, 'must be a whole number');
  return Number(raw);
}

function optionalTime(values: Values, name: string): number | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? parseExpiry(`--${name}`, raw) : undefined;
}

function list(values: Values, name: string): string[] | undefined {
  const value = values[name];
  return Array.isArray(value) ? value : undefined;
}

const keyAction = (action: 'deactivateKey' | 'reactivateKey' | 'revokeKey' | 'deleteKey', summary: string): Command => ({
  usage: '--key ID',
  summary,
  options: KEY_ID,
  run: async (services, values) => keyAdminView(await services.keys[action](required(values, 'key'), 'operator')),
});

/** SPEC §8's admin commands: each prints one JSON object. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  'create-account': {
    usage: '--email E --password P [--plan PLAN]',
    summary: 'Creates an account and its first user (on the free plan unless --plan)',
    options: { email: { type: 'string' }, password: { type: 'string' }, plan: { type: 'string' } },
    async run(services, values) {
      const plan = values.plan as string | undefined;
      const created = await services.accounts.createAccount({
        email: required(values, 'email'),
        password: required(values, 'password'),
        ...(plan && { plan }),
      });
      return { account_id: created.accountId, user_id: created.userId };
    },
  },
  'set-plan': {
    usage: '--account A --plan PLAN',
    summary: 'Moves an account to another plan',
    options: { account: { type: 'string' }, plan: { type: 'string' } },
    async run(services, values) {
      const account = await services.accounts.setPlan(required(values, 'account'), required(values, 'plan'));
      return { account_id: account.id, plan: account.plan };
    },
  },
  'create-site': {
    usage: '--account A --domain D',
    summary: 'Adds a site to an account; prints it with its site key',
    options: { account: { type: 'string' }, domain: { type: 'string' } },
    async run(services, values) {
      return siteView(await services.sites.createSite(required(values, 'account'), required(values, 'domain')), 0);
    },
  },
  'create-key': {
    usage:
      '--account A --name N [--mode live|test] [--category C] [--expires ISO] [--quota-total N] [--quota-daily N] [--quota-weekly N] [--quota-monthly N] ' +
      '[--allow-ip CIDR]... [--allow-referrer R]... [--allow-endpoint "GET /api/v1/sites"]...',
    summary: 'Creates an API key; prints its secret, this once only',
    options: {
      account: { type: 'string' },
      name: { type: 'string' },
      mode: { type: 'string' },
      category: { type: 'string' },
      expires: { type: 'string' },
      'quota-total': { type: 'string' },
      'quota-daily': { type: 'string' },
      'quota-weekly': { type: 'string' },
      'quota-monthly': { type: 'string' },
      'allow-ip': { type: 'string', multiple: true },
      'allow-referrer': { type: 'string', multiple: true },
      'allow-endpoint': { type: 'string', multiple: true },
    },
    async run(services, values) {
      const mode = values.mode ?? 'live';
      if (mode !== 'live' && mode !== 'test') throw invalid('--mode', 'must be live or test');
      const quotas: Quotas = {};
      for (const window of ['total', 'daily', 'weekly', 'monthly'] as const) {
        const cap = optionalInteger(values, `quota-${window}`);
        if (cap !== undefined) quotas[window] = cap;
      }
      const issued = await services.keys.createKey(required(values, 'account'), {
        name: required(values, 'name'),
        mode,
        category: values.category as string | undefined,
        expiresAt: optionalTime(values, 'expires') ?? null,
        quotas,
        restrictions: { ips: list(values, 'allow-ip'), referrers: list(values, 'allow-referrer'), endpoints: list(values, 'allow-endpoint') },
      });
      return issuedKeyView(issued.key, issued.secret);
    },
  },
  'deactivate-key': keyAction('deactivateKey', 'Deactivates a key until it is reactivated'),
  'reactivate-key': keyAction('reactivateKey', 'Reactivates a deactivated key'),
  'revoke-key': keyAction('revokeKey', 'Revokes a key at once and for good'),
  'delete-key': keyAction('deleteKey', 'Deletes a key that has never been used'),
  'rotate-key': {
    usage: '--key ID [--grace-seconds S] [--name N]',
    summary: 'Replaces a key; the old one works --grace-seconds more (at most 7 days)',
    options: { ...KEY_ID, 'grace-seconds': { type: 'string' }, name: { type: 'string' } },
    async run(services, values) {
      const name = values.name as string | undefined;
      const issued = await services.keys.rotateKey(required(values, 'key'), 'operator', {
        graceSeconds: optionalInteger(values, 'grace-seconds') ?? 0,
        ...(name !== undefined && { name }),
      });
      return issuedKeyView(issued.key, issued.secret);
    },
  },
  'create-webhook': {
    usage: '--account A --url U [--event TYPE]... [--description D]',
    summary: 'Adds a webhook endpoint; prints its signing secret, this once only',
    options: { account: { type: 'string' }, url: { type: 'string' }, event: { type: 'string', multiple: true }, description: { type: 'string' } },
    async run(services, values) {
      const accountId = (await services.accounts.getAccount(required(values, 'account'))).id;
      const { endpoint, secret } = await services.webhooks.createEndpoint(accountId, {
        url: required(values, 'url'),
        events: list(values, 'event'),
        description: values.description as string | undefined,
      });
      return { id: endpoint.id, url: endpoint.url, events: endpoint.events, secret };
    },
  },
  'delete-webhook': {
    usage: '--webhook ID',
    summary: 'Deletes a webhook endpoint',
    options: { webhook: { type: 'string' } },
    async run(services, values) {
      const endpoint = await services.webhooks.deleteEndpoint(required(values, 'webhook'), 'operator');
      return { id: endpoint.id, deleted: true };
    },
  },
  'webhook-deliveries': {
    usage: '--webhook ID [--limit N]',
    summary: "Prints an endpoint's latest delivery attempts, newest first",
    options: { webhook: { type: 'string' }, limit: { type: 'string' } },
    async run(services, values) {
      const limit = optionalInteger(values, 'limit') ?? DEFAULT_LOG_LIMIT;
      if (limit < 1 || limit > 1000) throw invalid('--limit', 'must be from 1 to 1000');
      const { deliveries } = await services.webhooks.attempts(required(values, 'webhook'), 'operator', undefined, limit);
      return { deliveries: deliveries.map(attemptView) };
    },
  },
  logs: {
    usage: '--key ID [--limit N]',
    summary: "Prints a key's request count and latest requests, newest first",
    options: { ...KEY_ID, limit: { type: 'string' } },
    async run(services, values) {
      const key = await services.keys.getKey(required(values, 'key'), 'operator', { includeRevoked: true });
      const { count, logs } = await services.requestLogs.list({ keyId: key.id, limit: optionalInteger(values, 'limit') ?? DEFAULT_LOG_LIMIT });
      return { count, logs: logs.map(requestLogView) };
    },
  },
};

const USAGE = `usage: keygate admin <command> [--option value ...]\ncommands: ${Object.keys(COMMANDS).join(', ')}`;
const HELP_FLAGS = ['--help', '-h'];

/** `keygate --help` and `keygate admin --help`: every command, one line each. */
function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return [
    'usage: keygate admin <command> [--option value ...]',
    '',
    'Runs one operator command on the storage the server is configured with (its environment',
    'and .env) and prints one JSON object: the result on stdout, or {"error", "code"} on stderr',
    'with exit status 1.',
    '',
    'commands:',
    ...lines,
    '',
    'keygate admin <command> --help shows the options of one.',
  ].join('\n');
}

/** `keygate admin <command> --help`. */
function commandHelp(name: string, command: Command): string {
  return `usage: keygate admin ${name} ${command.usage}\n\n${command.summary}`;
}

/** The help asked for by `argv`, if it asks for help: a help flag in place of the command, or among a command's options. */
function helpFor(argv: string[]): string | undefined {
  const [group, name, ...rest] = argv;
  if (group !== undefined && HELP_FLAGS.includes(group)) return help();
  if (group !== 'admin' || name === undefined) return undefined;
  if (HELP_FLAGS.includes(name)) return help();
  const command = COMMANDS[name];
  if (!command) return undefined;
  // Parsed loosely, so that a help flag is found after other options, but not as an option's value.
  const { values } = parseArgs({ args: rest, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: false, allowPositionals: true });
  return values.help === true ? commandHelp(name, command) : undefined;
}

function refusal(error: unknown): { error: string; code: ErrorCode } {
  if (error instanceof KeygateError) return { error: error.message, code: error.code };
  if (error instanceof ConfigError) return { error: error.message, code: 'VALIDATION_ERROR' };
  if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    return { error: error.message, code: 'VALIDATION_ERROR' };
  }
  return { error: `Internal error: ${(error as Error).message}`, code: 'INTERNAL' };
}

/**
 * Runs one admin command; returns the exit code. Output: one JSON object, on stdout or (refusal)
 * stderr; or, asked with --help or -h, usage text on stdout.
 */
export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const usage = helpFor(argv);
  if (usage !== undefined) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const [group, name, ...rest] = argv;
  let services: Services | undefined;
  try {
    const command = group === 'admin' && name ? COMMANDS[name] : undefined;
    if (!command) throw new KeygateError('VALIDATION_ERROR', `command: ${group ?? ''} ${name ?? ''} is not a command; ${USAGE}`.replace(/\s+;/, ';'));
    const { values } = parseArgs({ args: rest, options: command.options, strict: true, allowPositionals: false });
    services = await openKeygate(loadConfig(env));
    const result = await command.run(services, values as Values);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${JSON.stringify(refusal(error))}\n`);
    return 1;
  } finally {
    await services?.close();
  }
}
