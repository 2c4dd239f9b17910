#!/usr/bin/env node
/**
 * `express-rbac-password <command>`: admin commands that work directly on the reference
 * deployment's store (PGlite in RBAC_DATA_DIR, or DATABASE_URL), without the server running.
 * Settings come from the same environment variables as the server. Exit codes: 0 done,
 * 1 failure, 2 usage error, 3 unknown login, 4 password refused by the policy, 5 login refused by
 * the login rules (or taken), 6 no outstanding reset token with that handle.
 */
import { createResetMailer } from '../reset-mailer.ts';
import { parseArgs } from 'node:util';
import {
  checkPasswordRules,
  createPasswordService,
  normalizePassword,
  PasswordApiError,
  type IssuedResetToken,
  type OutstandingResetToken,
  type PasswordService,
} from 'express-rbac-password';
import { closestName } from '../config/closest-name.ts';
import { ConfigError, readEnvironment, type ReferenceConfig } from '../config/environment.ts';
import { PasswordInputError, readNewPassword } from './read-password.ts';
import { openReferenceStore, type Account, type ReferenceStore } from '../storage/reference-store.ts';
import { referenceServiceOptions } from '../config/service-options.ts';

/** Exit codes, documented in `--help`. */
/** The CLI's calls: no request id, and a hashing fairness key of their own. */
const CLI_CONTEXT = { fairnessKey: 'express-rbac-password:cli' } as const;

export const EXIT = { ok: 0, failure: 1, usage: 2, unknownLogin: 3, policy: 4, loginRules: 5, unknownHandle: 6 } as const;

class CliError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

const COMMANDS: Record<string, { summary: string; usage: string; options: Record<string, { type: 'string' | 'boolean' }> }> = {
  'set-password': {
    summary: "Set a user's password (read from stdin or a prompt), applying the policy; lifts a lockout and ends their sessions (an administrator's revocation stays: use unlock).",
    usage: 'set-password --login <login>',
    options: { login: { type: 'string' } },
  },
  'create-user': {
    summary: 'Create a local user: the login must pass the login rules and the password (read from stdin or a prompt) the policy.',
    usage: 'create-user --login <login> [--superuser]',
    options: { login: { type: 'string' }, superuser: { type: 'boolean' } },
  },
  'issue-reset-token': {
    summary: 'Issue a single-use reset token for a user; prints the token and, when a public URL is known, the link to the reset page.',
    usage: 'issue-reset-token --login <login> [--json]',
    options: { login: { type: 'string' }, json: { type: 'boolean' } },
  },
  unlock: {
    summary:
      'Reinstate a revoked or locked-out user and clear the failed-attempt counter. The password may have been guessed before the lockout: --with-reset-token also issues a reset token, so the user sets a new one.',
    usage: 'unlock --login <login> [--with-reset-token] [--json]',
    options: { login: { type: 'string' }, 'with-reset-token': { type: 'boolean' }, json: { type: 'boolean' } },
  },
  revoke: {
    summary: "Revoke a user as an administrator: only unlock lifts it (a reset does not), and the user's reset tokens and sessions end.",
    usage: 'revoke --login <login>',
    options: { login: { type: 'string' } },
  },
  'reset-tokens': {
    summary: "List a user's outstanding reset tokens: handle, kind (admin or self-service), issued at and by, expires at. Never the token itself.",
    usage: 'reset-tokens --login <login> [--json]',
    options: { login: { type: 'string' }, json: { type: 'boolean' } },
  },
  'revoke-reset-tokens': {
    summary: "Revoke a user's outstanding reset tokens, or only the one --handle names (from reset-tokens); says how many.",
    usage: 'revoke-reset-tokens --login <login> [--handle <handle>]',
    options: { login: { type: 'string' }, handle: { type: 'string' } },
  },
  'require-change': {
    summary: 'Make a user choose a new password at the next sign-in (the right password then starts no session until it is changed); their sessions end.',
    usage: 'require-change --login <login>',
    options: { login: { type: 'string' } },
  },
  'expire-inactive': {
    summary:
      'Revoke every non-superuser account that has not signed in for RBAC_ACCOUNT_EXPIRY_DAYS days (kind inactivity: unlock, or a password set by an administrator, brings it back); --dry-run only lists them.',
    usage: 'expire-inactive [--dry-run] [--json]',
    options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
  },
  migrate: { summary: 'Create or upgrade the tables (the server also does this when it starts).', usage: 'migrate', options: {} },
  'purge-expired': { summary: 'Delete used, superseded and expired reset-token records and expired auth tokens.', usage: 'purge-expired', options: {} },
};

const HELP = `Usage: express-rbac-password <command> [options]

Admin commands for the express-rbac-password reference server's store. They work directly on
the database, without the server running: PGlite in RBAC_DATA_DIR (default .rbac-data/, which
only one process may open at a time), or the PostgreSQL server of DATABASE_URL.

Commands:
${Object.values(COMMANDS)
  .map((command) => `  ${command.usage.padEnd(44)}${command.summary}`)
  .join('\n')}

Options:
  -h, --help     Show this help (or: <command> --help)

The password for set-password and create-user is never taken from the command line: type it at
the prompt, or pipe it on stdin, e.g.  printf '%s' "$NEW_PASSWORD" | express-rbac-password set-password --login admin

Settings (password policy, bcrypt cost, token lifetime, RBAC_TOKEN_SECRET, RBAC_PUBLIC_URL) are read
from the same environment variables as the server; see examples/server/README.md.

Exit codes: 0 done, 1 failure, 2 usage error, 3 unknown login, 4 password refused by the policy,
5 login refused by the login rules (or taken), 6 no outstanding reset token with that handle.`;

/** Runs one CLI invocation; resolves the exit code. Output goes to the given streams. */
export async function runCli(
  argv: readonly string[],
  io: { out: (line: string) => void; err: (line: string) => void; env?: NodeJS.ProcessEnv; readPassword?: () => Promise<string> } = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.out(HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    const near = closestName(name, Object.keys(COMMANDS));
    io.err(`express-rbac-password: unknown command "${name}".${near === undefined ? '' : ` Did you mean ${near}?`} Run express-rbac-password --help for the list.`);
    return EXIT.usage;
  }
  if (rest.some((arg) => arg === '--password' || arg.startsWith('--password='))) {
    io.err('express-rbac-password: passwords are never taken from the command line (shell history, process list); pipe it on stdin or answer the prompt.');
    return EXIT.usage;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...rest], options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    io.err(`express-rbac-password ${name}: ${(error as Error).message}\nUsage: express-rbac-password ${command.usage}`);
    return EXIT.usage;
  }
  if (values['help'] === true) {
    io.out(`Usage: express-rbac-password ${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }
  if ('login' in command.options && (typeof values['login'] !== 'string' || values['login'] === '')) {
    io.err(`express-rbac-password ${name}: --login <login> is required.\nUsage: express-rbac-password ${command.usage}`);
    return EXIT.usage;
  }

  let store: ReferenceStore | undefined;
  try {
    const config = readEnvironment(io.env ?? process.env);
    for (const warning of config.warnings) io.err(`warning: ${warning}`);
    if (config.store.kind === 'memory')
      throw new CliError("RBAC_STORE=memory has nothing to work on: the CLI needs the server's persistent store (RBAC_DATA_DIR or DATABASE_URL).", EXIT.usage);
    // Read before opening the store, so a cancelled prompt never touches the database.
    const password = name === 'set-password' || name === 'create-user' ? await (io.readPassword ?? (() => readNewPassword()))() : undefined;
    store = await openReferenceStore(config.store);
    if (name === 'migrate') {
      await store.migrate();
      io.out('The database schema is up to date.');
      return EXIT.ok;
    }
    if (!(await store.isMigrated())) {
      throw new CliError(`the store (${describeStore(config)}) has no tables yet. Start the server once, or run: express-rbac-password migrate`, EXIT.failure);
    }
    if (name === 'purge-expired') {
      const counts = await store.purgeExpired(new Date());
      io.out(`Purged ${counts.resetTokens} reset-token record(s) and ${counts.authTokens} expired auth token(s).`);
      return EXIT.ok;
    }
    if (name === 'expire-inactive') return await expireInactive(config, store, values['dry-run'] === true, values['json'] === true, io.out);
    const login = values['login'] as string;
    if (name === 'create-user') return await createUser(login, values['superuser'] === true, password as string, config, store, io.out, io.err);
    const account = await store.findAccountByLogin(login);
    if (account === null) throw new CliError(`no user with login "${login}" exists in ${describeStore(config)}.`, EXIT.unknownLogin);
    const publicUrlSet = ((io.env ?? process.env)['RBAC_PUBLIC_URL'] ?? '').trim() !== '';
    const linkFromHostAndPort = publicUrlSet ? undefined : config.publicUrl;
    return await runAccountCommand(
      name,
      account,
      config,
      store,
      password,
      {
        json: values['json'] === true,
        withResetToken: values['with-reset-token'] === true,
        linkFromHostAndPort,
        handle: values['handle'] as string | undefined,
        resetRequiresChange: config.resetRequiresChange,
      },
      io,
    );
  } catch (error) {
    io.err(`express-rbac-password ${name}: ${describeError(error)}`);
    if (error instanceof PasswordApiError && error.kind === 'password-policy-violation') {
      for (const failure of (error.details as { failures?: { msg: string }[] } | undefined)?.failures ?? []) io.err(`  - ${failure.msg}`);
      return EXIT.policy;
    }
    return error instanceof CliError ? error.code : error instanceof ConfigError || error instanceof PasswordInputError ? EXIT.usage : EXIT.failure;
  } finally {
    await store?.close();
  }
}

/**
 * `create-user`: the login goes through `validateLogin` (taken included), the password through the
 * policy, before anything is written.
 */
async function createUser(
  login: string,
  superuser: boolean,
  password: string,
  config: ReferenceConfig,
  store: ReferenceStore,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const service = await adminService(config, store);
  const { failures } = await service.validateLogin(login);
  if (failures.length > 0) {
    err(`express-rbac-password create-user: the login "${login}" cannot be used:`);
    for (const failure of failures) err(`  - ${failure.msg}`);
    return EXIT.loginRules;
  }
  const policy = checkPasswordRules(normalizePassword(password), service.policy, {
    login,
    ...(service.hasher.maxPasswordBytes === undefined ? {} : { maxPasswordBytes: service.hasher.maxPasswordBytes }),
  });
  if (policy.length > 0) throw new PasswordApiError('password-policy-violation', 'The password does not meet the password policy', { details: { failures: policy } });
  const account = await store.createAccount({ login, passwordHash: await service.hashPassword(password, CLI_CONTEXT), isSuperuser: superuser });
  out(`Created ${superuser ? 'the superuser' : 'the user'} "${account.login}" (id ${account.id}).`);
  return EXIT.ok;
}

/** `expire-inactive`: the library's sweep; each account it revokes also loses its sessions. */
async function expireInactive(config: ReferenceConfig, store: ReferenceStore, dryRun: boolean, json: boolean, out: (line: string) => void): Promise<number> {
  if (config.accountExpiryDays === undefined)
    throw new CliError('expire-inactive needs RBAC_ACCOUNT_EXPIRY_DAYS (days without a sign-in after which an account is revoked).', EXIT.usage);
  const service = await adminService(config, store);
  try {
    const result = await service.expireInactiveAccounts(new Date(), { dryRun }, CLI_CONTEXT);
    if (!dryRun) for (const account of result.accounts) await store.state.endSessions(account.id);
    const logins = result.accounts.map((account) => account.login).sort();
    if (json) {
      out(JSON.stringify({ dry_run: dryRun, cutoff: result.cutoff.toISOString(), accounts: result.accounts.map((a) => ({ id: a.id, login: a.login })) }));
    } else {
      const verb = dryRun ? 'Would revoke' : 'Revoked';
      out(`${verb} ${logins.length} account(s) not signed in since ${result.cutoff.toISOString()}${logins.length === 0 ? '.' : `: ${logins.join(', ')}`}`);
      if (!dryRun && logins.length > 0) out('Each comes back with unlock, or with a password set by an administrator (set-password, or a reset token).');
    }
    return EXIT.ok;
  } finally {
    await service.close();
  }
}

/** The service as the CLI uses it: the CLI is the admin, who may do anything; no HTTP request is ever authenticated here. */
async function adminService(config: ReferenceConfig, store: ReferenceStore): Promise<PasswordService> {
  return createPasswordService({
    ...(await referenceServiceOptions(config, store)),
    authorizer: { canResetPassword: () => true, canCreateUsers: () => true },
    onPasswordChanged: async (user) => {
      await store.state.endSessions(user.id);
    },
    // set-password mails the owner a notice too, as the server does (a plain SMTP transport holds no connection to close).
    ...(config.smtpUrl === undefined ? {} : { notifyPasswordChanged: createResetMailer(config.smtpUrl, config.smtpFrom).notifyPasswordChanged }),
  });
}

interface AccountCommandFlags {
  readonly json: boolean;
  readonly withResetToken: boolean;
  /** The public URL a link was built from when RBAC_PUBLIC_URL is unset (said on stderr). */
  readonly linkFromHostAndPort: string | undefined;
  /** `revoke-reset-tokens --handle`: the one token to revoke. */
  readonly handle: string | undefined;
  /** `RBAC_RESET_REQUIRES_CHANGE`: set-password sets a temporary password. */
  readonly resetRequiresChange: boolean;
}

async function runAccountCommand(
  name: string,
  account: Account,
  config: ReferenceConfig,
  store: ReferenceStore,
  password: string | undefined,
  flags: AccountCommandFlags,
  io: { out: (line: string) => void; err: (line: string) => void },
): Promise<number> {
  const service = await adminService(config, store);
  try {
    return await runWithService(name, account, service, store, password, flags, io);
  } finally {
    // Waits for a hash upgrade started by set-password (its candidate was the current legacy password) before the store closes.
    await service.close();
  }
}

async function runWithService(
  name: string,
  account: Account,
  service: PasswordService,
  store: ReferenceStore,
  password: string | undefined,
  flags: AccountCommandFlags,
  io: { out: (line: string) => void; err: (line: string) => void },
): Promise<number> {
  const out = io.out;
  const printToken = (issued: IssuedResetToken) => {
    if (flags.json) {
      out(JSON.stringify({ token: issued.token, ...(issued.link === undefined ? {} : { link: issued.link }), expires_at: issued.expiresAt.toISOString() }));
    } else {
      out(`Reset token for "${account.login}" (single use, expires ${issued.expiresAt.toISOString()}):`);
      out(issued.token);
      out(issued.link === undefined ? 'No link: set RBAC_PUBLIC_URL to the reset page URL to get one.' : `Link: ${issued.link}`);
    }
    // The CLI does not know where the server listens: say what the link was built from.
    if (flags.linkFromHostAndPort !== undefined) {
      io.err(`note: the link uses ${flags.linkFromHostAndPort}, built from this shell's HOST and PORT; if the server listens elsewhere, set RBAC_PUBLIC_URL to its reset page.`);
    }
  };
  if (name === 'set-password') {
    const { stillRevoked } = await service.setPasswordAsAdmin(account.id, password as string, CLI_CONTEXT);
    out(
      stillRevoked
        ? `The password of "${account.login}" was set, and its sessions and reset tokens were ended. The account stays revoked: an administrator revoked it; run unlock to reinstate it.`
        : `The password of "${account.login}" was set. The account is active, and its sessions and reset tokens were ended.`,
    );
    if (flags.resetRequiresChange) out(`It is a temporary password (RBAC_RESET_REQUIRES_CHANGE): "${account.login}" must choose a new one at the next sign-in.`);
  } else if (name === 'require-change') {
    await service.requirePasswordChange(account.id, null, CLI_CONTEXT);
    await store.state.endSessions(account.id);
    out(`"${account.login}" must choose a new password at the next sign-in; its sessions were ended.`);
  } else if (name === 'issue-reset-token') {
    printToken(await service.issueResetToken({ userId: 'cli' }, account.id, CLI_CONTEXT));
  } else if (name === 'unlock' && flags.withResetToken) {
    const issued = await service.reinstateWithResetToken({ userId: 'cli' }, account.id, CLI_CONTEXT);
    await store.state.endSessions(account.id);
    if (!flags.json) out(`"${account.login}" is active again; its failed-attempt counter was cleared. Send them this token to set a new password:`);
    printToken(issued);
  } else if (name === 'unlock') {
    await service.reinstate(account.id, null, CLI_CONTEXT);
    out(`"${account.login}" is active again; its failed-attempt counter was cleared.`);
    out('Its password may have been guessed before the lockout: consider unlock --with-reset-token, so the user sets a new one.');
  } else if (name === 'reset-tokens') {
    printOutstanding(account.login, await service.listResetTokens(CLI_PRINCIPAL, account.id), flags.json, out);
  } else if (name === 'revoke-reset-tokens') {
    return revokeResetTokens(account.login, account.id, service, flags.handle, io);
  } else if (name === 'revoke') {
    await service.revoke(account.id, null, CLI_CONTEXT);
    await store.state.endSessions(account.id);
    out(`"${account.login}" is revoked: its sessions and reset tokens were ended. Only unlock reinstates it; a password reset does not.`);
  }
  return EXIT.ok;
}

/** The CLI acts as an administrator from outside: `cli` is what tokens it issues record as their issuer. */
const CLI_PRINCIPAL = { userId: 'cli' } as const;

function printOutstanding(login: string, tokens: readonly OutstandingResetToken[], json: boolean, out: (line: string) => void): void {
  if (json) {
    const rows = tokens.map((t) => ({ handle: t.handle, kind: t.kind, issued_at: t.issuedAt.toISOString(), expires_at: t.expiresAt.toISOString(), issued_by: t.issuedBy }));
    out(JSON.stringify({ tokens: rows }));
    return;
  }
  if (tokens.length === 0) {
    out(`"${login}" has no outstanding reset tokens.`);
    return;
  }
  out(`Outstanding reset tokens of "${login}" (revoke one with revoke-reset-tokens --login ${login} --handle <handle>):`);
  for (const t of tokens) {
    const by = t.kind === 'self-service' ? 'asked for by the user' : `issued by ${t.issuedBy}`;
    out(`  ${t.handle}  ${t.kind.padEnd(12)}  issued ${t.issuedAt.toISOString()} (${by}), expires ${t.expiresAt.toISOString()}`);
  }
}

/** `revoke-reset-tokens`: a handle that is not one is a usage error (2); one that names no outstanding token exits 6. */
async function revokeResetTokens(
  login: string,
  userId: string,
  service: PasswordService,
  handle: string | undefined,
  io: { out: (line: string) => void; err: (line: string) => void },
): Promise<number> {
  let revoked: number;
  try {
    revoked = await service.revokeResetTokens(CLI_PRINCIPAL, userId, handle ?? null, CLI_CONTEXT);
  } catch (error) {
    if (!(error instanceof PasswordApiError) || handle === undefined) throw error;
    if (error.kind === 'malformed-request')
      throw new CliError(`${error.message}; got "${handle}". List the handles with: express-rbac-password reset-tokens --login ${login}`, EXIT.usage);
    if (error.kind === 'not-found') {
      throw new CliError(
        `"${login}" has no outstanding reset token with the handle "${handle}" (it was used, expired or revoked, or never existed). List them with: express-rbac-password reset-tokens --login ${login}`,
        EXIT.unknownHandle,
      );
    }
    throw error;
  }
  io.out(handle === undefined ? `Revoked ${revoked} outstanding reset token(s) of "${login}".` : `Revoked the reset token ${handle} of "${login}": it can no longer be used.`);
  return EXIT.ok;
}

function describeStore(config: ReferenceConfig): string {
  return config.store.kind === 'pglite' ? `the data directory ${config.store.dataDir}` : 'the DATABASE_URL database';
}

function describeError(error: unknown): string {
  if (error instanceof PasswordApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

// Run when executed (the bin, or `tsx examples/server/cli/main.ts`), not when imported by tests.
const invoked = process.argv[1];
if (invoked !== undefined && import.meta.url === (await import('node:url')).pathToFileURL(await (await import('node:fs/promises')).realpath(invoked)).href) {
  // A short command: baseline WebAssembly code only (why: see express-rbac-password.js).
  (await import('node:v8')).setFlagsFromString('--liftoff-only');
  process.exitCode = await runCli(process.argv.slice(2));
}
