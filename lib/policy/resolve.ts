/**
 * Turns host settings into a validated, frozen policy, once, at configuration time, so that a
 * misconfiguration fails at startup with a message that says how to fix it rather than on the
 * first password change.
 */
import { closestName } from '../closest-name.ts';
import { foldEntries, ReadonlyStringSet, shippedCommonPasswords } from './blocklist.ts';
import { DEFAULT_PASSWORD_POLICY, type PasswordPolicySettings } from './settings.ts';

/** A validated policy, as `checkPasswordRules` and `describePasswordPolicy` take it. Frozen. */
export interface ResolvedPasswordPolicy {
  readonly passwordMinimumLength: number;
  readonly passwordMaximumLength: number;
  readonly lettersRequired: number;
  readonly lowercaseLettersRequired: number;
  readonly uppercaseLettersRequired: number;
  readonly numbersRequired: number;
  readonly specialCharactersRequired: number;
  readonly passwordHistory: number;
  readonly forbidLogin: boolean;
  /** Folded (NFKC + case-folded) blocked passwords; empty when the blocklist is off. Read-only. */
  readonly blocklist: ReadonlySet<string>;
  readonly loginMinimumLength: number;
  readonly loginMaximumLength: number;
}

// Lets checkPasswordRules refuse raw settings objects passed where a resolved policy belongs
// (easy to do from JavaScript, and it would silently skip validation).
const resolved = new WeakSet<object>();

/** Whether `value` came from `resolvePasswordPolicy`. */
export function isResolvedPasswordPolicy(value: unknown): value is ResolvedPasswordPolicy {
  return typeof value === 'object' && value !== null && resolved.has(value);
}

const COUNT_OPTIONS = [
  'passwordMinimumLength',
  'passwordMaximumLength',
  'lettersRequired',
  'lowercaseLettersRequired',
  'uppercaseLettersRequired',
  'numbersRequired',
  'specialCharactersRequired',
  'passwordHistory',
  'loginMinimumLength',
  'loginMaximumLength',
] as const;

const KNOWN_OPTIONS: readonly string[] = Object.keys(DEFAULT_PASSWORD_POLICY);

function fail(message: string): never {
  throw new TypeError(`password policy: ${message}`);
}

/**
 * The closest known option: the product's snake_case names ("password_minimum_length") are
 * camel-cased first, then typos are matched by `closestName`, as for the service's own options.
 */
function suggestion(key: string): string {
  const camel = key.toLowerCase().replace(/[-_\s]+(.)/g, (_m, c: string) => c.toUpperCase());
  const match = closestName(camel, KNOWN_OPTIONS);
  return match === undefined ? '' : ` Did you mean "${match}"?`;
}

function readCount(settings: PasswordPolicySettings, option: (typeof COUNT_OPTIONS)[number], minimum: number): number {
  const value: unknown = settings[option];
  if (value === undefined) return DEFAULT_PASSWORD_POLICY[option];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    fail(`${option} must be a whole number, got ${typeof value === 'number' ? String(value) : typeof value}. Example: { ${option}: ${DEFAULT_PASSWORD_POLICY[option]} }.`);
  }
  if (value < minimum) fail(`${option} must be at least ${minimum}, got ${value}.`);
  return value;
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

// Built once per process and shared: the sets are read-only, and a router made per tenant or per
// test would otherwise fold 10,000 entries into a new Set each time.
let shippedSet: ReadonlyStringSet | undefined;
let emptySet: ReadonlyStringSet | undefined;

function readBlocklist(value: unknown): ReadonlyStringSet {
  if (value === undefined || value === true) {
    shippedSet ??= new ReadonlyStringSet(shippedCommonPasswords());
    return shippedSet;
  }
  if (value === false) {
    emptySet ??= new ReadonlyStringSet([]);
    return emptySet;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('blocklist must be true (the shipped list), false (none), or { extend?: string[], replace?: string[] }. To use only your own list, write { replace: yourList }.');
  }
  for (const key of Object.keys(value)) {
    if (key !== 'extend' && key !== 'replace') fail(`unknown blocklist option "${key}"; use "extend" (add to the shipped list) or "replace" (use instead of it).`);
  }
  const { extend, replace } = value as { extend?: unknown; replace?: unknown };
  const lists: Record<'extend' | 'replace', Iterable<string> | undefined> = { extend: undefined, replace: undefined };
  for (const [name, list] of [
    ['extend', extend],
    ['replace', replace],
  ] as const) {
    if (list === undefined) continue;
    // A lone string is iterable too, but blocking each of its characters is never what was meant.
    if (!isIterable(list))
      fail(`blocklist.${name} must be an array (or other iterable) of strings, got ${typeof list === 'string' ? 'a single string; wrap it in [ ]' : typeof list}.`);
    lists[name] = list as Iterable<string>;
  }
  const base = lists.replace === undefined ? shippedCommonPasswords() : foldEntries(lists.replace, 'blocklist.replace');
  const added = lists.extend === undefined ? [] : foldEntries(lists.extend, 'blocklist.extend');
  return new ReadonlyStringSet([...base, ...added]);
}

/**
 * Validates `settings` (missing members take `DEFAULT_PASSWORD_POLICY`'s values) and returns the
 * frozen policy with its blocklist built. Call it once at startup and reuse the result.
 *
 * Throws a TypeError that names the offending option and how to fix it for: settings that are not
 * an object, unknown options (with a suggestion for the product's snake_case names), counts that
 * are not whole numbers or are negative, a minimum length (of passwords or logins) below 1 or above
 * its maximum, required character classes that cannot fit in the maximum length, a `forbidLogin`
 * that is not a boolean, and a malformed `blocklist`.
 */
export function resolvePasswordPolicy(settings: PasswordPolicySettings = {}): ResolvedPasswordPolicy {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    fail(`settings must be an object such as { passwordMinimumLength: 12 }, got ${settings === null ? 'null' : Array.isArray(settings) ? 'an array' : typeof settings}.`);
  }
  for (const key of Object.keys(settings)) {
    if (!KNOWN_OPTIONS.includes(key)) fail(`unknown option "${key}".${suggestion(key)} Known options: ${KNOWN_OPTIONS.join(', ')}.`);
  }

  const counts = {
    passwordMinimumLength: readCount(settings, 'passwordMinimumLength', 1),
    passwordMaximumLength: readCount(settings, 'passwordMaximumLength', 1),
    lettersRequired: readCount(settings, 'lettersRequired', 0),
    lowercaseLettersRequired: readCount(settings, 'lowercaseLettersRequired', 0),
    uppercaseLettersRequired: readCount(settings, 'uppercaseLettersRequired', 0),
    numbersRequired: readCount(settings, 'numbersRequired', 0),
    specialCharactersRequired: readCount(settings, 'specialCharactersRequired', 0),
    passwordHistory: readCount(settings, 'passwordHistory', 0),
    loginMinimumLength: readCount(settings, 'loginMinimumLength', 1),
    loginMaximumLength: readCount(settings, 'loginMaximumLength', 1),
  };
  if (counts.loginMinimumLength > counts.loginMaximumLength) {
    fail(
      `loginMinimumLength (${counts.loginMinimumLength}) is greater than loginMaximumLength (${counts.loginMaximumLength}); no login could pass. Lower the minimum or raise the maximum.`,
    );
  }
  const max = counts.passwordMaximumLength;
  if (counts.passwordMinimumLength > max) {
    fail(`passwordMinimumLength (${counts.passwordMinimumLength}) is greater than passwordMaximumLength (${max}); no password could pass. Lower the minimum or raise the maximum.`);
  }
  // Lowercase and uppercase letters are letters too, so lettersRequired overlaps with them.
  const letters = Math.max(counts.lettersRequired, counts.lowercaseLettersRequired + counts.uppercaseLettersRequired);
  const required = letters + counts.numbersRequired + counts.specialCharactersRequired;
  if (required > max) {
    fail(
      `the required characters need at least ${required} characters (letters ${letters} = max(lettersRequired, lowercaseLettersRequired + uppercaseLettersRequired), ` +
        `numbersRequired ${counts.numbersRequired}, specialCharactersRequired ${counts.specialCharactersRequired}), more than passwordMaximumLength (${max}). ` +
        'Lower the required counts or raise passwordMaximumLength.',
    );
  }

  const forbidLogin: unknown = settings.forbidLogin === undefined ? DEFAULT_PASSWORD_POLICY.forbidLogin : settings.forbidLogin;
  if (typeof forbidLogin !== 'boolean') fail(`forbidLogin must be true or false, got ${typeof forbidLogin}.`);

  const policy: ResolvedPasswordPolicy = Object.freeze({ ...counts, forbidLogin, blocklist: readBlocklist(settings.blocklist) });
  resolved.add(policy);
  return policy;
}
