/** Names of the Redis keys that more than one adapter reads, under a deployment's prefix. */

/** When an IP's block ends (SPEC §3 check 1): written by the failed-auth limiter, read by admissions too. */
export function blockKey(prefix: string, ip: string): string {
  return `${prefix}auth:${ip}:blocked`;
}

/** The version of stored keys and sites that instances cache against (KeyChangeSignal). */
export function keyChangesKey(prefix: string): string {
  return `${prefix}key-changes`;
}
