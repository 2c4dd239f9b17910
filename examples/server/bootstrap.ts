/**
 * First-start work: the superuser `admin`, and the users of the `RBAC_SEED` file. Both create only
 * logins that do not exist yet, so restarts and several instances starting at once are harmless.
 */
import { checkPasswordRules, normalizePassword, type PasswordService } from '../../lib/index.ts';
import type { NewAccount, ReferenceStore } from '../../lib/cli/reference-store.ts';
import type { ReferenceConfig } from '../../lib/cli/environment.ts';
import type { ServerPrincipal } from './authorizer.ts';
import { generatePassword } from './generate-password.ts';
import type { SeedUser } from './seed-file.ts';

/** Thrown when a configured password does not meet the policy. */
export class BootstrapError extends Error {
  override readonly name = 'BootstrapError';
}

/** The login of the superuser created on first start. */
export const ADMIN_LOGIN = 'admin';

function policyProblems(service: PasswordService<ServerPrincipal>, password: string, login: string): string[] {
  return checkPasswordRules(normalizePassword(password), service.policy, { login, maxPasswordBytes: 72 }).map((failure) => failure.msg);
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
): Promise<{ created: boolean; generatedPassword: string | null }> {
  if ((await store.findAccountByLogin(ADMIN_LOGIN)) !== null) return { created: false, generatedPassword: null };
  const given = config.adminPassword;
  if (given !== undefined) {
    const problems = policyProblems(service, given, ADMIN_LOGIN);
    if (problems.length > 0) throw new BootstrapError(`RBAC_ADMIN_PASSWORD does not meet the password policy:\n  - ${problems.join('\n  - ')}`);
  }
  const password = given ?? generatePassword(service.policy, ADMIN_LOGIN);
  const id = await createIfMissing(store, {
    login: ADMIN_LOGIN,
    passwordHash: await service.hashPassword(password),
    displayName: 'Administrator',
    isSuperuser: true,
  });
  return { created: id !== null, generatedPassword: id !== null && given === undefined ? password : null };
}

/** Checks every seed password against the policy; called before anything is created, so a bad file changes nothing. */
export function checkSeedPasswords(file: string, users: readonly SeedUser[], service: PasswordService<ServerPrincipal>): void {
  users.forEach((user, index) => {
    if (user.password === undefined) return;
    const problems = policyProblems(service, user.password, user.login);
    if (problems.length > 0) throw new BootstrapError(`RBAC_SEED file ${file}: field users[${index}].password does not meet the password policy:\n  - ${problems.join('\n  - ')}`);
  });
}

/** Creates the seed file's users that do not exist yet (after `checkSeedPasswords`). Resolves the logins created. */
export async function seedUsers(users: readonly SeedUser[], store: ReferenceStore, service: PasswordService<ServerPrincipal>): Promise<string[]> {
  const created: string[] = [];
  for (const user of users) {
    const id = await createIfMissing(store, {
      login: user.login,
      passwordHash: user.password === undefined ? null : await service.hashPassword(user.password),
      email: user.email ?? null,
      displayName: user.display_name ?? null,
      isRemote: user.is_remote ?? false,
      isSuperuser: user.is_superuser ?? false,
      isRevoked: user.is_revoked ?? false,
    });
    if (id === null) continue;
    await store.state.grantPermissions(id, user.permissions ?? []);
    created.push(user.login);
  }
  return created;
}
