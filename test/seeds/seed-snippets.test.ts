import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCli, childEnv, ProcessWorld, REPO, type ServerProcess, uniqueEmail } from '../process/spawn.js';

/** The seed documents of SPEC.md, beside the checkout as in CI (`shared/` next to the repository). */
const SEEDS_DIR = resolve(REPO, '../shared/seeds');
const SEED_ORIGIN = 'https://attractos.com';
const CURL = '/usr/bin/curl';

const CURL_SNIPPET = /curl -X GET "https:\/\/attractos\.com\/api\/v1\/sites"(?:[ \t]*\\\r?\n[ \t]*-H "[^"\n]*")+/;
const FETCH_SNIPPET = /const response = await fetch\('https:\/\/attractos\.com\/api\/v1\/sites'[\s\S]*?console\.log\(data\.sites\);/;
const RESPONSE_EXAMPLE = /\n200(\{[\s\S]*?\n\}) Response Fields/;

const seeds = readdirSync(SEEDS_DIR)
  .sort()
  .map((file) => ({ file, text: readFileSync(join(SEEDS_DIR, file), 'utf8') }))
  .filter(({ text }) => CURL_SNIPPET.test(text) && FETCH_SNIPPET.test(text));
const sitesSeed = seeds.find(({ text }) => text.startsWith('Sites\n'));

/** The Sites seed's example answer, from which the expected shape is read. */
function exampleSite(): Record<string, unknown> {
  const match = sitesSeed?.text.match(RESPONSE_EXAMPLE);
  if (!match?.[1]) throw new Error('no "200{...} Response Fields" example in the Sites seed');
  return JSON.parse(match[1]).sites[0];
}

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(file, args, { env: childEnv(), timeout: 15_000, encoding: 'utf8' }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    ),
  );
}

function localise(snippet: string, url: string, key: string): string {
  expect(snippet).toContain(SEED_ORIGIN);
  expect(snippet).toContain('YOUR_API_KEY');
  return snippet.replaceAll(SEED_ORIGIN, url).replaceAll('YOUR_API_KEY', key);
}

const world = new ProcessWorld();
let server: ServerProcess;
let key: string;
let created: Record<string, unknown>[];

beforeAll(async () => {
  const env = { DATA_DIR: world.tempDir() };
  const cli = adminCli(env);
  server = await world.startServer({ env });
  const { account_id: account } = await cli.ok('create-account', '--email', uniqueEmail(), '--password', 'correct horse battery');
  created = [
    await cli.ok('create-site', '--account', account, '--domain', 'example.com'),
    await cli.ok('create-site', '--account', account, '--domain', 'blog.example.com'),
  ];
  key = (await cli.ok('create-key', '--account', account, '--name', 'Seed snippets')).key;
});
afterAll(() => world.cleanup());

function expectSeedShape(sites: Record<string, unknown>[]): void {
  const example = exampleSite();
  expect(sites).toEqual(created);
  for (const site of sites) {
    expect(Object.keys(site)).toEqual(Object.keys(example));
    for (const field of Object.keys(example)) expect(typeof site[field], field).toBe(typeof example[field]);
    expect(site.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(String(site.id).startsWith('site_') && String(site.key).startsWith('ak_')).toBe(true);
  }
}

it('finds the Sites seed and another seed with both snippets', () => {
  expect(sitesSeed, `a seed starting with "Sites" in ${SEEDS_DIR}`).toBeDefined();
  expect(seeds.length).toBeGreaterThanOrEqual(2);
  expect(Object.keys(exampleSite())).toEqual(['id', 'domain', 'key', 'events_this_month', 'created_at']);
});

describe.each(seeds.map(({ file, text }) => ({ file, text })))('the snippets of seed $file', ({ text }) => {
  it("the JavaScript fetch sample, run as is, gets the sites in the seed's shape", async () => {
    const snippet = localise(text.match(FETCH_SNIPPET)![0], server.url, key);
    // The sample's own console.log prints data.sites; make it print JSON, then report the whole answer.
    const program = [
      "console.log = (value) => process.stdout.write(JSON.stringify(value) + '\\n');",
      snippet,
      "process.stdout.write(JSON.stringify({ status: response.status, body: data }) + '\\n');",
    ].join('\n');
    const result = await run(process.execPath, ['--input-type=module', '--eval', program]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [logged, answer] = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body)).toEqual(['sites']);
    expect(logged).toEqual(answer.body.sites);
    expectSeedShape(answer.body.sites);
  });

  it.skipIf(!existsSync(CURL))("the curl command, run by a shell, gets the sites in the seed's shape", async () => {
    const command = `${localise(text.match(CURL_SNIPPET)![0], server.url, key)} --silent --show-error --write-out '\\n%{http_code}'`;
    const result = await run('/bin/sh', ['-c', command]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.at(-1)).toBe('200');
    const body = JSON.parse(lines.slice(0, -1).join('\n'));
    expect(Object.keys(body)).toEqual(['sites']);
    expectSeedShape(body.sites);
  });
});

if (!existsSync(CURL)) process.stderr.write(`seed-snippets: ${CURL} is absent, so the curl snippets are skipped\n`);
