import { isbot, isbotMatch } from 'isbot';

/**
 * Crawlers named exactly, so stats group them under one stable name whatever their version
 * string says: AI crawlers and assistants first (what site owners most want to see), then
 * search engines. `isbot` (a maintained pattern list) catches every other bot.
 */
// biome-ignore format: grouped by kind and vendor, several to a line
const NAMED_BOTS = [
  // AI crawlers, trainers and assistants
  'GPTBot', 'ChatGPT-User', 'OAI-SearchBot',
  'ClaudeBot', 'Claude-User', 'Claude-SearchBot', 'Claude-Web', 'anthropic-ai',
  'PerplexityBot', 'Perplexity-User',
  'Google-Extended', 'GoogleOther', 'Google-CloudVertexBot',
  'Applebot-Extended',
  'Bytespider', 'CCBot', 'Amazonbot',
  'meta-externalagent', 'meta-externalfetcher', 'FacebookBot',
  'cohere-ai', 'cohere-training-data-crawler', 'MistralAI-User', 'DuckAssistBot', 'YouBot',
  'Diffbot', 'AI2Bot', 'Timpibot', 'ImagesiftBot', 'Omgilibot',
  // search engines
  'Googlebot', 'Google-InspectionTool', 'AdsBot-Google', 'Storebot-Google',
  'bingbot', 'BingPreview', 'Slurp', 'DuckDuckBot', 'Baiduspider', 'YandexBot',
  'Applebot', 'PetalBot', 'Sogou', 'SeznamBot', 'Qwantbot', 'MojeekBot', 'Yeti', 'Exabot',
] as const;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
/** Longest first, so `Applebot-Extended` wins over `Applebot` at the same position. */
const NAMED_PATTERN = new RegExp(
  [...NAMED_BOTS]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|'),
  'i',
);
const CANONICAL = new Map<string, string>(NAMED_BOTS.map((name) => [name.toLowerCase(), name]));
/** The characters of a user agent's product token, such as `SemrushBot` in `SemrushBot/7~bl`. */
const TOKEN = /[A-Za-z0-9_.-]/;

/** The whole product token around `isbot`'s match, without its version: `SemrushBot`, `curl`. */
function productToken(userAgent: string, match: string): string {
  let start = userAgent.indexOf(match);
  let end = start + match.length;
  while (start > 0 && TOKEN.test(userAgent[start - 1]!)) start--;
  while (end < userAgent.length && TOKEN.test(userAgent[end]!)) end++;
  return (
    userAgent
      .slice(start, end)
      .split('/')[0]!
      .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '') || match
  );
}

const UNKNOWN_BOT = 'unknown';

/**
 * User agents repeat (a few browser builds send most hits), and matching one against isbot's
 * pattern was the largest cost of a tracking hit: each is classified once, up to this many at
 * a time, short ones only, so that a client inventing agents costs memory it cannot grow.
 */
const CACHED_AGENTS = 4096;
const MAX_CACHED_AGENT_LENGTH = 512;
const classified = new Map<string, string | null>();

/**
 * The bot's name for a user agent, or null for a human. A hit without a user agent is a
 * script, not a browser: it counts as a bot named `unknown`.
 */
export function botName(userAgent: string | undefined): string | null {
  if (!userAgent) return UNKNOWN_BOT;
  const known = classified.get(userAgent);
  if (known !== undefined) return known;
  const name = classify(userAgent);
  if (userAgent.length <= MAX_CACHED_AGENT_LENGTH) {
    if (classified.size >= CACHED_AGENTS) classified.clear();
    classified.set(userAgent, name);
  }
  return name;
}

function classify(userAgent: string): string | null {
  const named = NAMED_PATTERN.exec(userAgent);
  if (named) return CANONICAL.get(named[0].toLowerCase())!;
  if (!isbot(userAgent)) return null;
  const match = isbotMatch(userAgent);
  return match ? productToken(userAgent, match).slice(0, 64) : UNKNOWN_BOT;
}
