/**
 * `RBAC_TRUST_PROXY`: Express's `trust proxy` setting, as text. It decides what `req.ip` is, and
 * so whose share of the hashing pool a request uses. Off by default: a client could otherwise
 * choose its own address with a spoofed `X-Forwarded-For`.
 */
import { isIP, isIPv4 } from 'node:net';

/** The values Express accepts: on/off, a number of hops, or a list of trusted proxy addresses. */
export type TrustProxySetting = boolean | number | string;

const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** Parses the variable; `problem` says what is wrong, naming the accepted forms. */
export function parseTrustProxy(raw: string | undefined): { readonly value: TrustProxySetting } | { readonly problem: string } {
  if (raw === undefined) return { value: false };
  const text = raw.trim();
  if (/^(true|false)$/i.test(text)) return { value: text.toLowerCase() === 'true' };
  if (/^\d+$/.test(text)) return { value: Number(text) };
  const entries = text.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !NAMED_RANGES.includes(entry) && !isAddressOrSubnet(entry));
  if (bad.length === 0) return { value: entries.join(', ') };
  return {
    problem:
      `RBAC_TRUST_PROXY must be true, false, a number of proxy hops, or a comma-separated list of proxy addresses, subnets or ${NAMED_RANGES.join('/')}` +
      ` (e.g. loopback, 10.0.0.0/8); got "${raw}"`,
  };
}

function isAddressOrSubnet(entry: string): boolean {
  const [address = '', range, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  if (/^\d+$/.test(range)) return Number(range) <= (version === 4 ? 32 : 128);
  return version === 4 && isIPv4(range);
}
