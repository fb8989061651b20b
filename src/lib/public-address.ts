import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook may never reach (SPEC §10): loopback, private, link-local (cloud
 * metadata services live there: 169.254.169.254, fd00:ec2::254), carrier-grade NAT,
 * "this network", multicast, reserved and documentation ranges, in IPv4 and IPv6.
 */
const REFUSED = new BlockList();
for (const [network, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  REFUSED.addSubnet(network, bits, 'ipv4');
}
for (const [network, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  REFUSED.addSubnet(network, bits, 'ipv6');
}

/** The IPv4 address an IPv6 one embeds (`::ffff:a.b.c.d`, `::a.b.c.d`), or undefined. */
function embeddedIpv4(address: string): string | undefined {
  const match = /^::(?:ffff(?::0{1,4})?:)?((?:\d{1,3}\.){3}\d{1,3})$/i.exec(address);
  if (match) return match[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const high = parseInt(hex[1]!, 16);
  const low = parseInt(hex[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/** True for an address on the public internet; false for any refused range, and for what is not an IP at all. */
export function isPublicAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 4) return !REFUSED.check(address, 'ipv4');
  if (version !== 6) return false;
  const ipv4 = embeddedIpv4(address.split('%')[0]!);
  if (ipv4 !== undefined) return isIP(ipv4) === 4 && !REFUSED.check(ipv4, 'ipv4');
  return !REFUSED.check(address, 'ipv6');
}
