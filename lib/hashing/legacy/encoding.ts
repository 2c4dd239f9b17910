/**
 * Parsing of stored hash strings: the PHC string format
 * (`$id[$v=N][$k=v,k=v][$salt[$hash]]`, https://github.com/P-H-C/phc-string-format) and its
 * base64 variants. Every parser returns null for anything malformed, never throws.
 */

/** A parsed PHC string. `params` keeps the values as written. */
export interface PhcString {
  readonly id: string;
  readonly version: number | null;
  readonly params: ReadonlyMap<string, string>;
  /** Segments after the parameters: usually [salt, hash]. */
  readonly rest: readonly string[];
}

/** Splits a PHC string. A bare number as the parameter segment (passlib's PBKDF2 rounds) is kept as `rounds`. */
export function parsePhc(hash: string): PhcString | null {
  if (!hash.startsWith('$')) return null;
  const parts = hash.slice(1).split('$');
  const id = parts.shift();
  if (id === undefined || !/^[a-z0-9-]{1,32}$/.test(id)) return null;
  let version: number | null = null;
  if (parts[0]?.startsWith('v=')) {
    const value = parts.shift()?.slice(2) ?? '';
    if (!/^\d{1,4}$/.test(value)) return null;
    version = Number(value);
  }
  const params = new Map<string, string>();
  const first = parts[0];
  if (first !== undefined && /^\d{1,10}$/.test(first)) {
    params.set('rounds', first);
    parts.shift();
  } else if (first?.includes('=')) {
    for (const pair of first.split(',')) {
      const match = /^([a-z0-9-]{1,32})=([A-Za-z0-9/+.-]{1,64})$/.exec(pair);
      if (match === null || params.has(match[1] as string)) return null;
      params.set(match[1] as string, match[2] as string);
    }
    parts.shift();
  }
  return { id, version, params, rest: parts };
}

/**
 * Decodes base64 as PHC strings and passlib write it: the standard alphabet with or without
 * `=` padding, or passlib's "ab64" with `.` for `+`. Null for any other character (Buffer's own
 * decoder would silently skip them, and a tampered hash must not decode to something).
 */
export function decodeBase64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/.]*={0,2}$/.test(text) || text.length === 0) return null;
  const bare = text.replace(/=+$/, '').replace(/\./g, '+');
  if (bare.length % 4 === 1) return null;
  return Buffer.from(bare, 'base64');
}

/** A decimal integer parameter in [min, max], or null. */
export function integerParam(value: string | undefined, min: number, max: number): number | null {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return null;
  const number = Number(value);
  return number >= min && number <= max ? number : null;
}
