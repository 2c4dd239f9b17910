/**
 * What the model runs against: the service itself (`createPasswordService` + `verifyLogin`, no
 * Express) or the reference server over HTTP (which has sessions: `/auth/token`). Both map their
 * answers onto the model's, and show the state after a step: the user's record (revocation,
 * counter, which candidate password its hash matches), whether each probed reset token is still
 * usable (validate-password with it: checked, not consumed) and, over HTTP, whether each probed
 * session still authenticates.
 */
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import {
  MemoryTokenStore,
  MemoryUserStore,
  PasswordApiError,
  createBcryptHasher,
  createPasswordService,
  type PasswordService,
  type PasswordUser,
  type Principal,
  type TokenStore,
  type UserStore,
} from '../../../lib/index.ts';
import type { ObservedUser } from './linearize.ts';
import type { Answer, ModelConfig, Op } from './rules.ts';

export const MODEL_CONFIG = { threshold: 3, reuseBudget: 2, historySize: 5 } as const;
const SECRET = 'model-test-secret-that-is-at-least-32-bytes!';

export interface TargetUser {
  readonly id: string;
  readonly login: string;
}

/** The secrets the run has been handed, by the model's references. */
export interface Handles {
  readonly tokens: Map<number, string>;
  readonly sessions: Map<number, string>;
}

export interface RunResult {
  /** The model's name for the answer, or `unexpected …` (which no model answer matches). */
  readonly answer: Answer | string;
  /** Status and kind as the target gave them, for reports. */
  readonly raw: string;
  /** The token an issue handed out, or the session a sign-in started. */
  readonly secret?: string;
}

export interface Probes {
  readonly tokens: readonly number[];
  readonly sessions: readonly number[];
  readonly passwords: readonly string[];
}

export interface Target {
  readonly name: string;
  readonly config: ModelConfig;
  createUsers(passwords: readonly string[]): Promise<TargetUser[]>;
  run(op: Op, users: readonly TargetUser[], handles: Handles): Promise<RunResult>;
  observe(user: TargetUser, probes: Probes, handles: Handles): Promise<ObservedUser>;
  close(): Promise<void>;
}

/** The stored record's part of an observation. */
export interface StoredUser {
  readonly isRevoked: boolean;
  readonly revokedBy?: 'admin' | 'lockout' | 'inactivity' | null;
  readonly failedAttempts?: number;
  readonly passwordHash: string | null;
}

/** Which candidate (if any) the stored hash matches: the password the observation reports. */
export async function matchingPassword(hash: string | null, candidates: readonly string[]): Promise<string | null> {
  if (hash === null) return null;
  for (const candidate of new Set(candidates)) if (await bcrypt.compare(candidate, hash)) return candidate;
  return null;
}

/** The stored revocation flags as the model's revocation kind. */
export function revocationOf(user: StoredUser): ObservedUser['revoked'] {
  if (!user.isRevoked) return null;
  return user.revokedBy === 'lockout' ? 'lockout' : 'admin';
}

/**
 * One user a password, each under a fresh random login (runs on a shared database never collide),
 * hashed by the target's own service and stored by `create`.
 */
export async function createUsers(
  passwords: readonly string[],
  service: Pick<PasswordService, 'hashPassword'>,
  create: (login: string, passwordHash: string) => Promise<{ readonly id: string }> | { readonly id: string },
): Promise<TargetUser[]> {
  const users: TargetUser[] = [];
  for (const password of passwords) {
    const login = `model-${randomBytes(5).toString('hex')}`;
    const user = await create(login, await service.hashPassword(password));
    users.push({ id: user.id, login });
  }
  return users;
}

const KINDS: Record<string, Answer> = {
  'invalid-token': 'invalid-token',
  'password-policy-violation': 'policy',
  'permission-denied': 'denied',
  'user-revoked': 'revoked',
  'user-unauthenticated': 'unauthenticated',
  conflict: 'conflict',
};

/** The stores a service target runs on, and how to put a user in them. */
export interface ServiceStores {
  readonly userStore: UserStore;
  readonly tokenStore: TokenStore;
  createUser(login: string, passwordHash: string): Promise<PasswordUser> | PasswordUser;
}

export function memoryStores(): ServiceStores {
  const userStore = new MemoryUserStore();
  return { userStore, tokenStore: new MemoryTokenStore({ sweepIntervalMs: 0 }), createUser: (login, passwordHash) => userStore.createUser({ login, passwordHash }) };
}

/** The service on `stores`: no HTTP, no sessions. The administrator may reset anyone. */
export function serviceTarget(name: string, stores: ServiceStores): Target & { readonly service: PasswordService } {
  const service = createPasswordService<Principal>({
    userStore: stores.userStore,
    tokenStore: stores.tokenStore,
    authorizer: { authenticate: () => null, canResetPassword: () => true },
    tokenKey: SECRET,
    hasher: createBcryptHasher({ cost: 4 }),
    failedAttemptsLockout: MODEL_CONFIG.threshold,
    resetReuseRefusals: MODEL_CONFIG.reuseBudget,
  });
  const admin: Principal = { userId: 'model-admin' };
  const config: ModelConfig = { ...MODEL_CONFIG, sessions: false };
  const refusal = (error: unknown): RunResult => {
    if (error instanceof PasswordApiError) return { answer: KINDS[error.kind] ?? `unexpected ${error.kind}`, raw: `${error.status} ${error.kind}` };
    return { answer: `unexpected ${(error as Error)?.name}`, raw: String(error) };
  };
  return {
    name,
    config,
    service,
    createUsers: (passwords) => createUsers(passwords, service, stores.createUser),
    async run(op, users, handles) {
      const user = users[op.user] as TargetUser;
      try {
        switch (op.type) {
          case 'issue': {
            const issued = await service.issueResetToken(admin, user.id);
            return { answer: 'ok', raw: 'issued', secret: issued.token };
          }
          case 'redeem': {
            const { stillRevoked } = await service.resetPassword(handles.tokens.get(op.token) ?? 'no-such-token', op.password);
            return { answer: stillRevoked ? 'ok-still-revoked' : 'ok', raw: stillRevoked ? 'reset (stays revoked)' : 'reset' };
          }
          case 'change':
            await service.changePassword({ userId: user.id }, op.current, op.password);
            return { answer: 'ok', raw: 'changed' };
          case 'signin': {
            const result = await service.verifyLogin(user.login, op.password);
            if (result.ok) return { answer: 'ok', raw: 'login ok' };
            return { answer: result.reason === 'invalid-credentials' ? 'invalid-credentials' : `unexpected ${result.reason}`, raw: `login ${result.reason}` };
          }
          case 'revoke':
            return (await service.revoke(user.id)) ? { answer: 'ok', raw: 'revoked' } : { answer: 'unexpected false', raw: 'revoke false' };
          case 'reinstate':
            return (await service.reinstate(user.id)) ? { answer: 'ok', raw: 'reinstated' } : { answer: 'unexpected false', raw: 'reinstate false' };
        }
      } catch (error) {
        return refusal(error);
      }
    },
    async observe(user, probes, handles) {
      const stored = (await stores.userStore.findById(user.id)) as StoredUser | null;
      if (stored === null) throw new Error(`user ${user.id} vanished`);
      const tokens = new Map<number, boolean>();
      for (const ref of probes.tokens) {
        const token = handles.tokens.get(ref);
        if (token === undefined) continue;
        tokens.set(
          ref,
          await service.validatePassword('probe', { resetToken: token }).then(
            () => true,
            (error: unknown) => {
              if (error instanceof PasswordApiError && error.kind === 'invalid-token') return false;
              throw error;
            },
          ),
        );
      }
      return {
        revoked: revocationOf(stored),
        failed: stored.failedAttempts ?? 0,
        password: await matchingPassword(stored.passwordHash, probes.passwords),
        tokens,
        sessions: new Map(),
      };
    },
    close: () => service.close(),
  };
}
