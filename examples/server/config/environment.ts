/**
 * The settings of the reference deployment (the reference server and the CLI), read from
 * environment variables. Both read the same variables, so a CLI run against a server's store
 * applies the same policy, bcrypt cost and token key. Every bad value is reported at once, by
 * variable name, and stops the start.
 */
import path from 'node:path';
import {
  DEFAULT_PASSWORD_POLICY,
  DEFAULTS,
  LEGACY_SCHEMES,
  NIST_800_63B_REV4,
  OPTION_RANGES,
  publicUrlProblem,
  resolvePasswordPolicy,
  type LegacyScheme,
  type LockoutOption,
  type PasswordPolicySettings,
  type RangedOption,
} from 'express-rbac-password';
import { closestName } from './closest-name.ts';
import { parseTrustProxy, type TrustProxySetting } from './trust-proxy.ts';

/** Where the reference deployment keeps its data. */
export type StoreChoice = { readonly kind: 'memory' } | { readonly kind: 'pglite'; readonly dataDir: string } | { readonly kind: 'postgres'; readonly url: string };

/** Everything the environment configures. */
export interface ReferenceConfig {
  readonly host: string;
  readonly port: number;
  /** `RBAC_METRICS_PORT`: where `GET /metrics` answers in Prometheus text format (on HOST); unset: no metrics listener. */
  readonly metricsPort: number | undefined;
  readonly store: StoreChoice;
  /** Hours a reset token lives (`RBAC_PASSWORD_RESET_EXPIRATION`). */
  readonly passwordResetExpiration: number;
  readonly failedAttemptsLockout: number;
  readonly lockout: LockoutOption;
  /** `RBAC_REVEAL_ACCOUNT_STATE`: tell anyone who names a revoked or locked login why it is refused. */
  readonly revealAccountState: boolean;
  /** `RBAC_RESET_REUSE_REFUSALS`: reused-password refusals one reset token may get before it dies. */
  readonly resetReuseRefusals: number;
  /** `RBAC_PASSWORD_MAX_AGE_DAYS`: days a password may be used before it must be changed; unset, never. */
  readonly passwordMaxAgeDays: number | undefined;
  /** `RBAC_ACCOUNT_EXPIRY_DAYS` (the product's `account-expiry-days`): days without a sign-in after which a non-superuser is revoked; unset, never. */
  readonly accountExpiryDays: number | undefined;
  /** `RBAC_RESET_REQUIRES_CHANGE`: a password an administrator sets (the CLI's `set-password`) must be changed at the next sign-in. */
  readonly resetRequiresChange: boolean;
  readonly bcryptCost: number;
  /**
   * `RBAC_HASH`: the scheme of new password hashes, `bcrypt` (default, at `RBAC_BCRYPT_COST`) or
   * `argon2id` (OWASP's m=19456 KiB, t=2, p=1; needs `@node-rs/argon2`). Hashes of the other
   * scheme keep verifying and are replaced at the next sign-in.
   */
  readonly hash: 'bcrypt' | 'argon2id';
  /** Legacy hash formats to verify and upgrade (`RBAC_LEGACY_HASHES`, default `pbkdf2,scrypt`; `none` for none). */
  readonly legacyHashes: readonly LegacyScheme[];
  readonly policy: PasswordPolicySettings;
  /** The reset page's absolute URL: `RBAC_PUBLIC_URL`, else derived from HOST and PORT, else none. */
  readonly publicUrl: string | undefined;
  /** `RBAC_TOKEN_SECRET`; when unset, a secret generated once is kept in the store. */
  readonly tokenSecret: string | undefined;
  readonly adminPassword: string | undefined;
  readonly seedFile: string | undefined;
  /** Minutes an idle auth token (session) lives. */
  readonly sessionTimeoutMinutes: number;
  /** Express's `trust proxy` (`RBAC_TRUST_PROXY`): whom `req.ip` believes. Default false. */
  readonly trustProxy: TrustProxySetting;
  /** The server's hashing pool (`RBAC_HASH_WORKERS`, `RBAC_HASH_QUEUE`, `RBAC_HASH_QUEUE_PER_CLIENT`); unset ones take the pool's defaults. */
  readonly hashPool: { readonly size?: number; readonly maxQueue?: number; readonly maxQueuePerKey?: number };
  /** `RBAC_SMTP_URL`: when set, self-service reset (`POST /auth/forgot`) is on and links go out by this SMTP server. */
  readonly smtpUrl: string | undefined;
  /** `RBAC_SMTP_FROM`: the From address of reset mails. Default `no-reply@<host of the public URL>`. */
  readonly smtpFrom: string;
  /** `RBAC_BREACHED_PASSWORDS_URL`: base URL of a Pwned Passwords range API (or mirror); unset means no breach check. */
  readonly breachedPasswordsUrl: string | undefined;
  /** `RBAC_BREACHED_PASSWORDS_ON_ERROR`: what a failed breach check means. */
  readonly breachedPasswordsOnError: 'allow' | 'refuse';
  /** Things worth saying at start-up that do not stop it, e.g. an `RBAC_*` variable we do not know. */
  readonly warnings: readonly string[];
}

/** Thrown when the environment holds bad values; its message lists each, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** The policy variables and the setting each maps to. */
export const POLICY_VARIABLES = {
  RBAC_PASSWORD_MINIMUM_LENGTH: 'passwordMinimumLength',
  RBAC_PASSWORD_MAXIMUM_LENGTH: 'passwordMaximumLength',
  RBAC_LETTERS_REQUIRED: 'lettersRequired',
  RBAC_LOWERCASE_LETTERS_REQUIRED: 'lowercaseLettersRequired',
  RBAC_UPPERCASE_LETTERS_REQUIRED: 'uppercaseLettersRequired',
  RBAC_NUMBERS_REQUIRED: 'numbersRequired',
  RBAC_SPECIAL_CHARACTERS_REQUIRED: 'specialCharactersRequired',
  RBAC_PASSWORD_HISTORY: 'passwordHistory',
  RBAC_LOGIN_MINIMUM_LENGTH: 'loginMinimumLength',
  RBAC_LOGIN_MAXIMUM_LENGTH: 'loginMaximumLength',
} as const;

/** Every variable read here; any other `RBAC_*` variable is refused as a likely typo. */
export const KNOWN_VARIABLES = [
  'RBAC_STORE',
  'RBAC_DATA_DIR',
  'RBAC_PASSWORD_RESET_EXPIRATION',
  'RBAC_FAILED_ATTEMPTS_LOCKOUT',
  'RBAC_LOCKOUT_MODE',
  'RBAC_REVEAL_ACCOUNT_STATE',
  'RBAC_RESET_REUSE_REFUSALS',
  'RBAC_PASSWORD_MAX_AGE_DAYS',
  'RBAC_RESET_REQUIRES_CHANGE',
  'RBAC_ACCOUNT_EXPIRY_DAYS',
  'RBAC_BCRYPT_COST',
  'RBAC_HASH',
  'RBAC_LEGACY_HASHES',
  'RBAC_PASSWORD_POLICY',
  ...Object.keys(POLICY_VARIABLES),
  'RBAC_PASSWORD_FORBID_LOGIN',
  'RBAC_PASSWORD_BLOCKLIST',
  'RBAC_PUBLIC_URL',
  'RBAC_TOKEN_SECRET',
  'RBAC_ADMIN_PASSWORD',
  'RBAC_SEED',
  'RBAC_SESSION_TIMEOUT',
  'RBAC_TRUST_PROXY',
  'RBAC_HASH_WORKERS',
  'RBAC_HASH_QUEUE',
  'RBAC_HASH_QUEUE_PER_CLIENT',
  'RBAC_SMTP_URL',
  'RBAC_SMTP_FROM',
  'RBAC_BREACHED_PASSWORDS_URL',
  'RBAC_BREACHED_PASSWORDS_ON_ERROR',
  'RBAC_METRICS_PORT',
] as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and checks the environment. Throws `ConfigError` listing every problem. */
export function readEnvironment(env: Env = process.env, cwd = process.cwd()): ReferenceConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const number = (name: string, fallback: number, min: number, max: number, integer: boolean): number => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const parsed = Number(raw);
    if (!/^[+]?(\d+\.?\d*|\.\d+)$/.test(raw) || !Number.isFinite(parsed) || parsed < min || parsed > max || (integer && !Number.isInteger(parsed))) {
      problems.push(`${name} must be ${integer ? 'an integer' : 'a number'} from ${formatNumber(min)} to ${formatNumber(max)}; got "${raw}"`);
      return fallback;
    }
    return parsed;
  };
  /** A variable for a library option: the library's default and range, so the two cannot drift. */
  const option = (name: string, key: Exclude<RangedOption, 'passwordMaxAgeDays' | 'accountExpiryDays'> & keyof typeof DEFAULTS): number => {
    const { min, max, integer } = OPTION_RANGES[key];
    return number(name, DEFAULTS[key], min, max, integer);
  };
  const choice = <T extends string>(name: string, options: readonly T[], fallback: T): T => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    if ((options as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name} must be one of ${options.join(', ')}; got "${raw}"`);
    return fallback;
  };
  const flag = (name: string): boolean | undefined => {
    const raw = value(name)?.toLowerCase();
    if (raw === undefined) return undefined;
    if (['true', '1', 'yes', 'on'].includes(raw)) return true;
    if (['false', '0', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false; got "${value(name) ?? ''}"`);
    return undefined;
  };

  // Probably a typo, but the environment is shared with other tools: warn, do not refuse to start.
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (name.startsWith('RBAC_') && !(KNOWN_VARIABLES as readonly string[]).includes(name)) {
      const near = closestName(name, KNOWN_VARIABLES);
      warnings.push(`${name} is not a setting of the reference server and is ignored${near === undefined ? '' : `; did you mean ${near}?`}`);
    }
  }

  const host = value('HOST') ?? '127.0.0.1';
  const port = number('PORT', 4433, 0, 65535, true);
  // 0 picks a free port, as for PORT; the same fixed port twice could never both be bound.
  const metricsPort = value('RBAC_METRICS_PORT') === undefined ? undefined : number('RBAC_METRICS_PORT', 0, 0, 65535, true);
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    problems.push(`RBAC_METRICS_PORT must differ from PORT (both are ${port}): the metrics have a listener of their own`);
  }

  const databaseUrl = value('DATABASE_URL');
  const storeKind = choice('RBAC_STORE', ['memory', 'pglite', 'postgres'] as const, databaseUrl === undefined ? 'pglite' : 'postgres');
  let store: StoreChoice;
  if (storeKind === 'memory') store = { kind: 'memory' };
  else if (storeKind === 'postgres') {
    if (databaseUrl === undefined) problems.push('RBAC_STORE=postgres needs DATABASE_URL (e.g. postgres://user:password@localhost:5432/rbac)');
    store = { kind: 'postgres', url: databaseUrl ?? '' };
  } else store = { kind: 'pglite', dataDir: path.resolve(cwd, value('RBAC_DATA_DIR') ?? '.rbac-data') };

  const preset = choice('RBAC_PASSWORD_POLICY', ['product', 'nist'] as const, 'product');
  const policy: Record<string, unknown> = { ...(preset === 'nist' ? NIST_800_63B_REV4 : DEFAULT_PASSWORD_POLICY) };
  for (const [name, setting] of Object.entries(POLICY_VARIABLES)) {
    if (value(name) !== undefined) policy[setting] = number(name, 0, 0, 4096, true);
  }
  const forbidLogin = flag('RBAC_PASSWORD_FORBID_LOGIN');
  if (forbidLogin !== undefined) policy['forbidLogin'] = forbidLogin;
  const blocklist = flag('RBAC_PASSWORD_BLOCKLIST');
  if (blocklist !== undefined) policy['blocklist'] = blocklist;
  try {
    resolvePasswordPolicy(policy as PasswordPolicySettings);
  } catch (error) {
    problems.push(`the password policy variables do not fit together: ${(error as Error).message}`);
  }

  const publicUrl = readPublicUrl(value('RBAC_PUBLIC_URL'), host, port, problems);
  const tokenSecret = value('RBAC_TOKEN_SECRET');
  if (tokenSecret !== undefined && Buffer.byteLength(tokenSecret, 'utf8') < 32) {
    problems.push('RBAC_TOKEN_SECRET must be at least 32 bytes long (e.g. the output of: openssl rand -base64 32)');
  }

  const trustProxy = parseTrustProxy(value('RBAC_TRUST_PROXY'));
  const optionalCount = (name: string, min: number, max: number): number | undefined => (value(name) === undefined ? undefined : number(name, min, min, max, true));
  const hashPool = {
    size: optionalCount('RBAC_HASH_WORKERS', 1, 256),
    maxQueue: optionalCount('RBAC_HASH_QUEUE', 0, 100_000),
    maxQueuePerKey: optionalCount('RBAC_HASH_QUEUE_PER_CLIENT', 0, 100_000),
  };
  if ('problem' in trustProxy) problems.push(trustProxy.problem);
  const smtpUrl = readSmtpUrl(value('RBAC_SMTP_URL'), publicUrl, problems);
  const smtpFrom = value('RBAC_SMTP_FROM') ?? `no-reply@${publicUrl === undefined ? 'localhost' : new URL(publicUrl).hostname.replace(/^\[|\]$/g, '')}`;
  if (!/^[^\s@<>]+@[^\s@<>]+$|^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/.test(smtpFrom)) {
    problems.push(`RBAC_SMTP_FROM must be an email address, e.g. rbac@example.com or "RBAC <rbac@example.com>"; got "${smtpFrom}"`);
  }
  const breachedPasswordsUrl = readHttpUrl('RBAC_BREACHED_PASSWORDS_URL', value('RBAC_BREACHED_PASSWORDS_URL'), 'https://api.pwnedpasswords.com', problems);

  const config: ReferenceConfig = {
    host,
    port,
    metricsPort,
    store,
    passwordResetExpiration: option('RBAC_PASSWORD_RESET_EXPIRATION', 'passwordResetExpiration'),
    failedAttemptsLockout: option('RBAC_FAILED_ATTEMPTS_LOCKOUT', 'failedAttemptsLockout'),
    lockout: { mode: choice('RBAC_LOCKOUT_MODE', ['revoke', 'temporary'] as const, DEFAULTS.lockout.mode) },
    revealAccountState: flag('RBAC_REVEAL_ACCOUNT_STATE') ?? DEFAULTS.revealAccountState,
    resetReuseRefusals: option('RBAC_RESET_REUSE_REFUSALS', 'resetReuseRefusals'),
    passwordMaxAgeDays:
      value('RBAC_PASSWORD_MAX_AGE_DAYS') === undefined
        ? undefined
        : number('RBAC_PASSWORD_MAX_AGE_DAYS', 0, OPTION_RANGES.passwordMaxAgeDays.min, OPTION_RANGES.passwordMaxAgeDays.max, false),
    resetRequiresChange: flag('RBAC_RESET_REQUIRES_CHANGE') ?? DEFAULTS.resetRequiresChange,
    accountExpiryDays:
      value('RBAC_ACCOUNT_EXPIRY_DAYS') === undefined
        ? undefined
        : number('RBAC_ACCOUNT_EXPIRY_DAYS', 0, OPTION_RANGES.accountExpiryDays.min, OPTION_RANGES.accountExpiryDays.max, false),
    bcryptCost: option('RBAC_BCRYPT_COST', 'bcryptCost'),
    hash: choice('RBAC_HASH', ['bcrypt', 'argon2id'] as const, 'bcrypt'),
    legacyHashes: readLegacyHashes(value('RBAC_LEGACY_HASHES'), problems),
    policy: Object.freeze(policy) as PasswordPolicySettings,
    publicUrl,
    tokenSecret,
    // Not trimmed: a password may start or end with spaces.
    adminPassword: env['RBAC_ADMIN_PASSWORD'] === '' ? undefined : env['RBAC_ADMIN_PASSWORD'],
    seedFile: value('RBAC_SEED') === undefined ? undefined : path.resolve(cwd, value('RBAC_SEED') as string),
    sessionTimeoutMinutes: number('RBAC_SESSION_TIMEOUT', 60, 1, 7 * 24 * 60, false),
    trustProxy: 'value' in trustProxy ? trustProxy.value : false,
    hashPool: Object.fromEntries(Object.entries(hashPool).filter(([, v]) => v !== undefined)),
    smtpUrl,
    smtpFrom,
    breachedPasswordsUrl,
    breachedPasswordsOnError: choice('RBAC_BREACHED_PASSWORDS_ON_ERROR', ['allow', 'refuse'] as const, 'allow'),
    warnings,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** `RBAC_LEGACY_HASHES`: a comma-separated list of built-in schemes, or `none`. */
function readLegacyHashes(raw: string | undefined, problems: string[]): LegacyScheme[] {
  if (raw === undefined) return ['pbkdf2', 'scrypt'];
  if (raw.trim().toLowerCase() === 'none') return [];
  const names = raw
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !(LEGACY_SCHEMES as readonly string[]).includes(name));
  if (unknown.length > 0) problems.push(`RBAC_LEGACY_HASHES must list schemes from ${LEGACY_SCHEMES.join(', ')} (or be none); got "${unknown.join(', ')}"`);
  return [...new Set(names.filter((name) => !unknown.includes(name)))] as LegacyScheme[];
}

/**
 * The reset page's URL. Never derived from a request's Host header (which a caller controls):
 * either configured, or computed once from HOST and PORT. A wildcard HOST or PORT 0 give no
 * usable address, so there is then no link.
 */
function readPublicUrl(raw: string | undefined, host: string, port: number, problems: string[]): string | undefined {
  if (raw !== undefined) {
    // The library's check, so the server accepts exactly the URLs the library does (a query is kept).
    const problem = publicUrlProblem(raw, 'RBAC_PUBLIC_URL');
    if (problem !== undefined) problems.push(problem.message);
    return problem === undefined ? new URL(raw).toString() : undefined;
  }
  if (port === 0 || ['0.0.0.0', '::', '[::]'].includes(host)) return undefined;
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${hostPart}:${port}/rbac-api/v1/reset-password`;
}

/** The SMTP server's URL (smtp: or smtps:, credentials allowed); self-service links need the reset page's address too. */
function readSmtpUrl(raw: string | undefined, publicUrl: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not echoed: the URL may carry the SMTP password.
    problems.push('RBAC_SMTP_URL must be an smtp:// or smtps:// URL, e.g. smtp://mail.example.com:587 or smtps://user:password@mail.example.com');
    return undefined;
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') problems.push('RBAC_SMTP_URL must use smtp:// or smtps://');
  if (publicUrl === undefined) {
    problems.push('RBAC_SMTP_URL needs the reset page address the mailed links point at: set RBAC_PUBLIC_URL (or a fixed HOST and PORT)');
  }
  return raw;
}

function readHttpUrl(name: string, raw: string | undefined, example: string, problems: string[]): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name} must be an absolute http(s) URL, e.g. ${example}; got "${raw}"`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push(`${name} must use http or https`);
  return raw;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(4).replace(/0+$/, '');
}
