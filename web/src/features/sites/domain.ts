const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]+)$/;

/**
 * The bare host of what people paste (`https://Example.com/`), or an error message. The same
 * rule as the server's, so the form can say what is wrong before anything is sent.
 */
export function parseDomain(input: string): { domain: string } | { error: string } {
  const host = input
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/\/$/, '');
  const labels = host.split('.');
  if (host === '') return { error: 'Enter the domain of the site, such as example.com.' };
  if (host.includes('/')) return { error: 'Enter the domain only, without a path: example.com, not example.com/blog.' };
  if (host.length > 253 || labels.length < 2 || !labels.every((label) => LABEL.test(label)) || !TLD.test(labels.at(-1) ?? '')) {
    return { error: `"${input.trim()}" is not a domain name. Enter one such as example.com or blog.example.com.` };
  }
  return { domain: host };
}
