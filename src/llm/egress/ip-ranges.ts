import { isIP } from 'node:net';

/**
 * Address classification for the egress guard.
 *
 * Everything here fails closed: anything we cannot parse is treated as forbidden,
 * because an attacker-controlled string that confuses our parser must not be the
 * thing that gets through.
 */

type Cidr4 = readonly [base: number, prefix: number];
type Cidr6 = readonly [words: readonly number[], prefix: number];

type ParsedAddress = { version: 4; value: number } | { version: 6; words: number[] };

/** IPv4 ranges that must never be reached from user-supplied URLs. */
const FORBIDDEN_V4: readonly Cidr4[] = [
  cidr4('0.0.0.0', 8), // "this network"; 0.0.0.0 connects to the local host on Linux
  cidr4('10.0.0.0', 8), // RFC 1918
  cidr4('100.64.0.0', 10), // CGNAT, often internal in cloud VPCs
  cidr4('127.0.0.0', 8), // loopback
  cidr4('169.254.0.0', 16), // link-local, includes cloud metadata
  cidr4('172.16.0.0', 12), // RFC 1918
  cidr4('192.0.0.0', 24), // IETF protocol assignments
  cidr4('192.88.99.0', 24), // deprecated 6to4 relay anycast
  cidr4('192.168.0.0', 16), // RFC 1918
  cidr4('198.18.0.0', 15), // benchmarking, used for internal test nets
  cidr4('224.0.0.0', 4), // multicast
  cidr4('240.0.0.0', 4), // reserved, includes 255.255.255.255 broadcast
];

/**
 * IPv6 ranges refused on their own merit. Ranges that carry an IPv4 address
 * (mapped, 6to4, NAT64, Teredo) are handled by `embeddedIPv4s` instead, so a
 * public IPv4 behind them stays reachable.
 */
const FORBIDDEN_V6: readonly Cidr6[] = [
  cidr6('::', 96), // unspecified, loopback and the deprecated IPv4-compatible range
  cidr6('64:ff9b:1::', 48), // local-use NAT64: embedding position is site-specific
  cidr6('100::', 64), // discard-only
  cidr6('2001:2::', 48), // benchmarking
  cidr6('fc00::', 7), // unique local, includes fd00:ec2::254 (AWS metadata)
  cidr6('fe80::', 10), // link-local
  cidr6('fec0::', 10), // deprecated site-local, still routed by some stacks
  cidr6('ff00::', 8), // multicast
];

/**
 * Cloud instance-metadata endpoints. These hand out credentials, so callers
 * keep refusing them even when private networks are otherwise allowed.
 */
const METADATA_V4: readonly number[] = [
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, DigitalOcean …
  '169.254.170.2', // AWS ECS task metadata
  '169.254.170.23', // AWS EKS pod identity
  '100.100.100.200', // Alibaba Cloud
].map(mustParseIPv4);

const METADATA_V6: readonly (readonly number[])[] = ['fd00:ec2::254', 'fd00:ec2::23'].map(mustParseIPv6);

/** True when `ip` must not be connected to. Invalid input is refused. */
export function isForbiddenAddress(ip: string): boolean {
  const parsed = parseAddress(ip);
  if (!parsed) return true;
  if (parsed.version === 4) return isForbiddenV4(parsed.value);
  return (
    FORBIDDEN_V6.some((range) => inCidr6(parsed.words, range)) ||
    embeddedIPv4s(parsed.words).some(isForbiddenV4)
  );
}

/** True when `ip` is (or embeds) a cloud metadata endpoint. Invalid input is refused. */
export function isMetadataAddress(ip: string): boolean {
  const parsed = parseAddress(ip);
  if (!parsed) return true;
  if (parsed.version === 4) return METADATA_V4.includes(parsed.value);
  return (
    METADATA_V6.some((words) => sameWords(words, parsed.words)) ||
    embeddedIPv4s(parsed.words).some((v4) => METADATA_V4.includes(v4))
  );
}

function isForbiddenV4(value: number): boolean {
  return FORBIDDEN_V4.some((range) => inCidr4(value, range));
}

/**
 * IPv4 addresses an IPv6 address can smuggle through to the IPv4 stack or a
 * translator. Each one is checked against the IPv4 rules so that e.g.
 * `::ffff:7f00:1` or `2002:7f00:1::` count as loopback.
 */
function embeddedIPv4s(words: readonly number[]): number[] {
  const low32 = joinWords(words[6], words[7]);
  if (isPrefix(words, [0, 0, 0, 0, 0, 0xffff])) return [low32]; // IPv4-mapped ::ffff:0:0/96
  if (isPrefix(words, [0, 0, 0, 0, 0xffff, 0])) return [low32]; // IPv4-translated ::ffff:0:0:0/96
  if (isPrefix(words, [0x64, 0xff9b, 0, 0, 0, 0])) return [low32]; // NAT64 64:ff9b::/96
  if (words[0] === 0x2002) return [joinWords(words[1], words[2])]; // 6to4 2002::/16
  if (words[0] === 0x2001 && words[1] === 0) {
    // Teredo 2001::/32: server in bits 32-63, client obfuscated (inverted) in the low 32 bits.
    return [joinWords(words[2], words[3]), ~low32 >>> 0];
  }
  return [];
}

function parseAddress(ip: string): ParsedAddress | null {
  const version = isIP(ip);
  if (version === 4) {
    const value = parseIPv4(ip);
    return value === null ? null : { version: 4, value };
  }
  if (version === 6) {
    // Zone ids (fe80::1%eth0) only select an interface; the address is what matters.
    const words = parseIPv6(ip.split('%')[0]);
    return words ? { version: 6, words } : null;
  }
  return null;
}

function parseIPv4(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

function parseIPv6(ip: string): number[] | null {
  const halves = ip.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0]);
  const tail = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** Parses colon-separated hex groups; the last group may be a dotted IPv4 (two words). */
function parseGroups(part: string): number[] | null {
  if (part === '') return [];
  const groups = part.split(':');
  const words: number[] = [];
  for (const [index, group] of groups.entries()) {
    if (group.includes('.') && index === groups.length - 1) {
      const v4 = parseIPv4(group);
      if (v4 === null) return null;
      words.push(v4 >>> 16, v4 & 0xffff);
    } else if (/^[0-9a-f]{1,4}$/i.test(group)) {
      words.push(parseInt(group, 16));
    } else {
      return null;
    }
  }
  return words;
}

function inCidr4(value: number, [base, prefix]: Cidr4): boolean {
  const size = 2 ** (32 - prefix);
  return Math.floor(value / size) === Math.floor(base / size);
}

function inCidr6(words: readonly number[], [base, prefix]: Cidr6): boolean {
  for (let i = 0; i < 8 && prefix > i * 16; i++) {
    const bits = Math.min(16, prefix - i * 16);
    const mask = (0xffff << (16 - bits)) & 0xffff;
    if ((words[i] & mask) !== (base[i] & mask)) return false;
  }
  return true;
}

function isPrefix(words: readonly number[], prefix: readonly number[]): boolean {
  return prefix.every((word, i) => words[i] === word);
}

function sameWords(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((word, i) => word === b[i]);
}

function joinWords(high: number, low: number): number {
  return high * 0x10000 + low;
}

function cidr4(base: string, prefix: number): Cidr4 {
  return [mustParseIPv4(base), prefix];
}

function cidr6(base: string, prefix: number): Cidr6 {
  return [mustParseIPv6(base), prefix];
}

function mustParseIPv4(ip: string): number {
  const value = parseIPv4(ip);
  if (value === null) throw new Error(`invalid IPv4 constant ${ip}`);
  return value;
}

function mustParseIPv6(ip: string): number[] {
  const words = parseIPv6(ip);
  if (!words) throw new Error(`invalid IPv6 constant ${ip}`);
  return words;
}
