/**
 * First-start work: the superuser `admin`, and the users of the `RBAC_SEED` file. Both create only
 * logins that do not exist yet, so restarts and several instances starting at once are harmless.
 */
import { checkPasswordRules, normalizePassword, type PasswordService } from 'express-rbac-password';
import type { NewAccount, ReferenceStore } from './storage/reference-store.ts';
import type { ReferenceConfig } from './config/environment.ts';
import type { ServerPrincipal } from './authorizer.ts';
import { generatePassword } from './generate-password.ts';
import type { SeedUser } from './seed-file.ts';

/** Thrown when a configured password could never be used to sign in (e.g. past bcrypt's 72 bytes). */
export class BootstrapError extends Error {
  override readonly name = 'BootstrapError';
}

/**
 * Rules a bootstrap password must pass: those without which it could never be used to sign in.
 * The others (length, character classes, blocklist, login) are the operator's call for the
 * passwords they configure, so they only warn; users choosing a password through the API meet them all.
 */
const UNUSABLE = new Set(['whitespace-only', 'ill-formed-unicode', 'control-characters', 'maximum-bytes']);

/** The login of the superuser created on first start. */
export const ADMIN_LOGIN = 'admin';

/** The password's policy failures, split into those that stop the start and those that only warn. */
function policyProblems(service: PasswordService<ServerPrincipal>, password: string, login: string): { refuse: string[]; warn: string[] } {
  const failures = checkPasswordRules(normalizePassword(password), service.policy, { login, maxPasswordBytes: 72 });
  return { refuse: failures.filter((f) => UNUSABLE.has(f.rule)).map((f) => f.msg), warn: failures.filter((f) => !UNUSABLE.has(f.rule)).map((f) => f.msg) };
}

/** Creates the account unless the login exists (also when another instance wins the race). Resolves whether this call created it. */
async function createIfMissing(store: ReferenceStore, input: NewAccount): Promise<string | null> {
  if ((await store.findAccountByLogin(input.login)) !== null) return null;
  try {
    return (await store.createAccount(input)).id;
  } catch (error) {
    if ((await store.findAccountByLogin(input.login)) !== null) return null;
    throw error;
  }
}

/**
 * Creates `admin` when missing, with `RBAC_ADMIN_PASSWORD` or a generated password, which is
 * returned (the caller prints it once). Resolves null when nothing was generated.
 */
export async function ensureAdmin(
  config: ReferenceConfig,
  store: ReferenceStore,
  service: PasswordService<ServerPrincipal>,
): Promise<{ created: boolean; generatedPassword: string | null; warnings: string[]; notes: string[] }> {
  const given = config.adminPassword;
  // A restart says what it skipped: the variable only ever sets the first password.
  const ignored =
    given === undefined
      ? []
      : [`${ADMIN_LOGIN} exists; RBAC_ADMIN_PASSWORD ignored (it sets the first password only; to change it: express-rbac-password set-password --login ${ADMIN_LOGIN})`];
  if ((await store.findAccountByLogin(ADMIN_LOGIN)) !== null) return { created: false, generatedPassword: null, warnings: [], notes: ignored };
  const warnings: string[] = [];
  if (given !== undefined) {
    const { refuse, warn } = policyProblems(service, given, ADMIN_LOGIN);
    if (refuse.length > 0) throw new BootstrapError(`RBAC_ADMIN_PASSWORD cannot be used:\n  - ${refuse.join('\n  - ')}`);
    if (warn.length > 0) warnings.push(`RBAC_ADMIN_PASSWORD does not meet the password policy (accepted, but change it after signing in):\n  - ${warn.join('\n  - ')}`);
  }
  const password = given ?? generatePassword(service.policy, ADMIN_LOGIN);
  const id = await createIfMissing(store, {
    login: ADMIN_LOGIN,
    passwordHash: await service.hashPassword(password),
    displayName: 'Administrator',
    isSuperuser: true,
  });
  return {
    created: id !== null,
    generatedPassword: id !== null && given === undefined ? password : null,
    warnings: id === null ? [] : warnings,
    notes: id === null ? ignored : [],
  };
}

/**
 * Checks every seed password before anything is created, so a bad file changes nothing. A password
 * that could never sign in stops the start; one that only breaks the policy is accepted with a warning.
 */
export function checkSeedPasswords(file: string, users: readonly SeedUser[], service: PasswordService<ServerPrincipal>): string[] {
  const warnings: string[] = [];
  users.forEach((user, index) => {
    if (user.login === ADMIN_LOGIN) {
      warnings.push(
        `RBAC_SEED file ${file}: users[${index}] is "${ADMIN_LOGIN}", the superuser the server creates itself; the entry is skipped (set its first password with RBAC_ADMIN_PASSWORD)`,
      );
      return;
    }
    // Never echo the hash: say which field, and which formats are accepted.
    if (user.password_hash !== undefined && service.hashScheme(user.password_hash) === null) {
      throw new BootstrapError(
        `RBAC_SEED file ${file}: field users[${index}].password_hash is in no format this server verifies (bcrypt, or one of RBAC_LEGACY_HASHES: pbkdf2, scrypt, argon2id)`,
      );
    }
    if (user.password === undefined) return;
    const { refuse, warn } = policyProblems(service, user.password, user.login);
    if (refuse.length > 0) throw new BootstrapError(`RBAC_SEED file ${file}: field users[${index}].password cannot be used:\n  - ${refuse.join('\n  - ')}`);
    if (warn.length > 0)
      warnings.push(`RBAC_SEED file ${file}: users[${index}].password (${user.login}) does not meet the password policy (accepted):\n  - ${warn.join('\n  - ')}`);
  });
  return warnings;
}

/**
 * Login rules whose breach stops the start: such a login could pass for another (NFKC variants,
 * invisible characters, surrounding spaces) or cannot be printed or stored as written. Lengths
 * are the operator's call, like the password rules: `alice` is shorter than the product's 6 and
 * only warns. The built-in `admin` is the product's own login and is not checked.
 */
const UNUSABLE_LOGIN = new Set(['ill-formed-unicode', 'control-characters', 'invisible-characters', 'surrounding-whitespace', 'not-normalized']);

/**
 * Checks every seed login with `service.validateLogin` before anything is created, so a bad file
 * changes nothing. `login-taken` is no problem here: existing users are left alone on purpose.
 */
export async function checkSeedLogins(file: string, users: readonly SeedUser[], service: PasswordService<ServerPrincipal>): Promise<string[]> {
  const warnings: string[] = [];
  for (const [index, user] of users.entries()) {
    const failures = (await service.validateLogin(user.login)).failures.filter((f) => f.rule !== 'login-taken');
    const refuse = failures.filter((f) => UNUSABLE_LOGIN.has(f.rule)).map((f) => f.msg);
    const warn = failures.filter((f) => !UNUSABLE_LOGIN.has(f.rule)).map((f) => f.msg);
    if (refuse.length > 0) throw new BootstrapError(`RBAC_SEED file ${file}: field users[${index}].login cannot be used:\n  - ${refuse.join('\n  - ')}`);
    if (warn.length > 0) warnings.push(`RBAC_SEED file ${file}: users[${index}].login (${user.login}) does not meet the login rules (accepted):\n  - ${warn.join('\n  - ')}`);
  }
  return warnings;
}

/**
 * Creates the seed file's users that do not exist yet (after `checkSeedPasswords`), never `admin`.
 * Resolves the logins created and those left alone because they exist.
 */
export async function seedUsers(users: readonly SeedUser[], store: ReferenceStore, service: PasswordService<ServerPrincipal>): Promise<{ created: string[]; existing: string[] }> {
  const created: string[] = [];
  const existing: string[] = [];
  for (const user of users) {
    if (user.login === ADMIN_LOGIN) continue;
    const id = await createIfMissing(store, {
      login: user.login,
      passwordHash: user.password_hash ?? (user.password === undefined ? null : await service.hashPassword(user.password)),
      email: user.email ?? null,
      displayName: user.display_name ?? null,
      isRemote: user.is_remote ?? false,
      isSuperuser: user.is_superuser ?? false,
      isRevoked: user.is_revoked ?? false,
    });
    if (id === null) {
      existing.push(user.login);
      continue;
    }
    await store.state.grantPermissions(id, user.permissions ?? []);
    created.push(user.login);
  }
  return { created, existing };
}

/** The start-up line about seeding, e.g. `seed: 3 users already exist, 1 created (carol)`. */
export function seedSummary({ created, existing }: { readonly created: readonly string[]; readonly existing: readonly string[] }): string {
  const users = (n: number) => `${n} user${n === 1 ? '' : 's'}`;
  const made = created.length === 0 ? 'none created' : `${created.length} created (${created.join(', ')})`;
  if (existing.length === 0) return created.length === 0 ? 'seed: no users to create' : `seed: ${users(created.length)} created (${created.join(', ')})`;
  return `seed: ${users(existing.length)} already ${existing.length === 1 ? 'exists' : 'exist'}, ${made}`;
}
