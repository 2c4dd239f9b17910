/**
 * Auth tokens of the reference server: opaque random tokens sent in `X-Authentication`, stored
 * only as a SHA-256 digest, sliding after each use for the session timeout. Reset tokens are
 * JWTs (with dots); auth tokens are 43 base64url characters, and each kind is looked up only
 * where it belongs, so neither is ever accepted as the other.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { Authorizer, LoginResult, PasswordUser, Principal } from 'express-rbac-password';
import type { ReferenceStore } from './storage/reference-store.ts';
import { permits } from './permissions.ts';
import { outranksOrEquals } from './privilege.ts';

/** The caller, as the server's routes and the library see it. */
export interface ServerPrincipal extends Principal {
  readonly tokenHash: string;
  readonly isSuperuser: boolean;
  readonly isRevoked: boolean;
  /** In temporary lockout mode: locked until then. */
  readonly lockedUntil: Date | null;
  readonly permissions: readonly string[];
}

const AUTH_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** SHA-256 of a token, the only form stored. A fast hash suffices: the token has 256 random bits. */
export function hashAuthToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Sessions and permissions over the reference store. */
export class SessionAuthorizer implements Authorizer<ServerPrincipal> {
  readonly #store: ReferenceStore;
  readonly #timeoutMs: number;
  readonly #now: () => Date;

  constructor(store: ReferenceStore, options: { timeoutMinutes: number; now: () => Date }) {
    this.#store = store;
    this.#timeoutMs = options.timeoutMinutes * 60_000;
    this.#now = options.now;
  }

  /**
   * Starts a session for a user who just proved their password; returns the token, once. Null
   * when the credential it was verified against is no longer current or the account was closed
   * meanwhile (a revoke, reset or change won the race): then no session was stored.
   */
  async startSession(login: Extract<LoginResult, { ok: true }>): Promise<string | null> {
    const token = randomBytes(32).toString('base64url');
    const now = this.#now();
    const stored = await this.#store.state.createSession({
      tokenHash: hashAuthToken(token),
      userId: login.user.id,
      expiresAt: new Date(now.getTime() + this.#timeoutMs),
      credential: login.credential,
      now,
    });
    return stored ? token : null;
  }

  /**
   * A token of a session that is already over: never stored, so it authenticates nothing. For a
   * sign-in whose password check came before a revoke, reset or change that ended the user's
   * sessions, but whose session would have been stored only after it (`startSession` said null).
   */
  endedSession(): string {
    return randomBytes(32).toString('base64url');
  }

  async authenticate(req: Request): Promise<ServerPrincipal | null> {
    const token = req.get('x-authentication');
    // Anything but our token shape (a reset JWT, junk) is refused without touching the store.
    if (token === undefined || !AUTH_TOKEN.test(token)) return null;
    const tokenHash = hashAuthToken(token);
    const now = this.#now();
    const userId = await this.#store.state.touchSession(tokenHash, now, new Date(now.getTime() + this.#timeoutMs));
    if (userId === null) return null;
    const account = await this.#store.findAccountById(userId);
    if (account === null) return null;
    return {
      userId,
      tokenHash,
      isSuperuser: account.isSuperuser,
      isRevoked: account.isRevoked,
      lockedUntil: account.lockedUntil ?? null,
      permissions: await this.#store.state.getPermissions(userId),
    };
  }

  /**
   * `users:reset_password:<id>` (or `:*`), and no escalation: the target may hold no permission
   * the caller lacks, and only a superuser resets a superuser (see privilege.ts).
   */
  async canResetPassword(principal: ServerPrincipal, user: PasswordUser): Promise<boolean> {
    return permits(principal, 'users:reset_password', user.id) && (await outranksOrEquals(this.#store, principal, user.id));
  }

  /** `users:create:*` (or a superuser): the only callers told that a login is taken. */
  canCreateUsers(principal: ServerPrincipal): boolean {
    return permits(principal, 'users:create', '*');
  }
}
