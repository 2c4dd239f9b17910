/**
 * The router's default fairness key: the client address Express reports (`req.ip`, which follows
 * the app's `trust proxy` setting). An IPv6 client usually holds a whole /64 and can change its
 * address within it at will, so IPv6 addresses are keyed by their /64 prefix, as
 * express-rate-limit does; an IPv4-mapped IPv6 address is keyed as the IPv4 address it is.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Request } from 'express';

/** The key when Express knows no address (the socket is already gone). */
const UNKNOWN_CLIENT = 'unknown-client';

export function clientAddressKey(req: Request): string {
  const address = req.ip ?? req.socket?.remoteAddress;
  if (typeof address !== 'string' || address === '') return UNKNOWN_CLIENT;
  return addressKey(address);
}

/** `1.2.3.4` for IPv4 (also when IPv4-mapped), `2001:db8:0:1::/64` for IPv6, else the text as is. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null && isIPv4(mapped[1] as string)) return mapped[1] as string;
  const withoutZone = address.split('%')[0] as string;
  if (!isIPv6(withoutZone)) return address;
  return `${firstGroups(withoutZone, 4).join(':')}::/64`;
}

/** The first `count` 16-bit groups of a valid IPv6 address, written without leading zeros. */
function firstGroups(address: string, count: number): string[] {
  const [head = '', tail] = address.split('::');
  const groups = (text: string) => (text === '' ? [] : text.split(':'));
  let full = groups(head);
  if (tail !== undefined) {
    // An embedded IPv4 address at the end counts as two groups.
    const tailGroups = groups(tail);
    const width = tailGroups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0) + full.length;
    full = [...full, ...Array<string>(8 - width).fill('0'), ...tailGroups];
  }
  return full.slice(0, count).map((group) => (group.includes('.') ? group : Number.parseInt(group, 16).toString(16)));
}
