/**
 * The `RBAC_SEED` file: `{"users": [{"login", "password"? or "password_hash"?, "email"?, "display_name"?, "is_remote"?,
 * "is_superuser"?, "is_revoked"?, "permissions"?: [...]}]}`. Every problem names the file and the
 * field, e.g. `users[2].passwrd`, and stops the start.
 */
import { readFileSync } from 'node:fs';
import { isKnownPermission } from './permissions.ts';

/** One user to create, as the file gives it. */
export interface SeedUser {
  readonly login: string;
  readonly password?: string;
  /** An existing hash to import as it is (bcrypt, or a format of `RBAC_LEGACY_HASHES`); upgraded at the user's first sign-in. */
  readonly password_hash?: string;
  readonly email?: string | null;
  readonly display_name?: string | null;
  readonly is_remote?: boolean;
  readonly is_superuser?: boolean;
  readonly is_revoked?: boolean;
  readonly permissions?: readonly string[];
}

/** Thrown for an unreadable or invalid seed file. */
export class SeedFileError extends Error {
  override readonly name = 'SeedFileError';
}

const FIELDS = ['login', 'password', 'password_hash', 'email', 'display_name', 'is_remote', 'is_superuser', 'is_revoked', 'permissions'] as const;

/** Reads and checks the file; returns its users. */
export function readSeedFile(file: string): SeedUser[] {
  const fail = (message: string): never => {
    throw new SeedFileError(`RBAC_SEED file ${file}: ${message}`);
  };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return fail(`cannot be read (${(error as { code?: string }).code ?? (error as Error).name})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return fail(`is not valid JSON${jsonErrorPlace(text, (error as Error).message)}`);
  }
  if (!isObject(data)) return fail('must hold a JSON object {"users": [...]}');
  for (const key of Object.keys(data)) if (key !== 'users') fail(`field "${key}" is not known; the only top-level field is "users"`);
  const users = data['users'];
  if (!Array.isArray(users)) return fail('field "users" must be an array of user objects');
  const seen = new Set<string>();
  return users.map((entry: unknown, index) => {
    const at = `users[${index}]`;
    if (!isObject(entry)) return fail(`${at} must be an object`);
    for (const key of Object.keys(entry)) {
      if (!(FIELDS as readonly string[]).includes(key)) fail(`field ${at}.${key} is not known; known fields: ${FIELDS.join(', ')}`);
    }
    const { login, password, email, display_name: displayName, is_remote: isRemote, is_superuser: isSuperuser, is_revoked: isRevoked, permissions } = entry;
    if (typeof login !== 'string' || login.trim() === '' || login.length > 255 || /\p{Cc}/u.test(login))
      fail(`field ${at}.login must be a non-empty string of at most 255 characters`);
    if (seen.has(login as string)) fail(`field ${at}.login repeats the login "${String(login)}"`);
    seen.add(login as string);
    if (password !== undefined && typeof password !== 'string') fail(`field ${at}.password must be a string`);
    const passwordHash = entry['password_hash'];
    if (passwordHash !== undefined && (typeof passwordHash !== 'string' || passwordHash.length === 0 || passwordHash.length > 1024)) {
      fail(`field ${at}.password_hash must be a non-empty string of at most 1024 characters`);
    }
    if (passwordHash !== undefined && password !== undefined) fail(`field ${at} has both password and password_hash; give one`);
    if (isRemote === true && passwordHash !== undefined) fail(`field ${at}.password_hash cannot be set for a remote user (is_remote): remote users have no local password`);
    for (const [name, value] of [
      ['email', email],
      ['display_name', displayName],
    ] as const) {
      if (value !== undefined && value !== null && typeof value !== 'string') fail(`field ${at}.${name} must be a string or null`);
    }
    for (const [name, value] of [
      ['is_remote', isRemote],
      ['is_superuser', isSuperuser],
      ['is_revoked', isRevoked],
    ] as const) {
      if (value !== undefined && typeof value !== 'boolean') fail(`field ${at}.${name} must be true or false`);
    }
    if (isRemote === true && password !== undefined) fail(`field ${at}.password cannot be set for a remote user (is_remote): remote users have no local password`);
    if (permissions !== undefined) {
      if (!Array.isArray(permissions)) fail(`field ${at}.permissions must be an array of strings`);
      (permissions as unknown[]).forEach((permission, i) => {
        if (typeof permission !== 'string' || !isKnownPermission(permission)) {
          fail(`field ${at}.permissions[${i}] must be users:reset_password:<uuid|*>, users:disable:<uuid|*> or users:create:*; got ${JSON.stringify(permission)}`);
        }
      });
    }
    return entry as unknown as SeedUser;
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Where JSON.parse stopped, as `(line 3, column 14: <reason>)`. The engine's own message may quote
 * the file's text, which holds passwords, and says "is not valid JSON" again, so only its reason
 * and position are kept.
 */
function jsonErrorPlace(text: string, message: string): string {
  const reason = message
    .replace(/,\s*".*$/s, '')
    .replace(/\s*(in JSON )?at position \d+.*$/s, '')
    .replace(/^(Unexpected token)\b.*$/s, '$1')
    .trim();
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return reason === '' ? '' : ` (${reason})`;
  const before = text.slice(0, Number(position)).split('\n');
  return ` (line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}: ${reason})`;
}
