/**
 * The reference server (examples/server) in-process, over HTTP: the only target with sessions
 * (`POST /auth/token`), so the only one where "a reset, revoke or change ends the sessions" is
 * checked. A session is probed with `GET /users/current`: live sessions answer 200, or 401
 * `user-revoked` while the account is revoked; an ended one answers 401 `user-unauthenticated`.
 */
import { ADMIN_PASSWORD, startServer, type RunningServer } from '../server.ts';
import type { Answer, ModelConfig, Op } from './rules.ts';
import { createUsers, MODEL_CONFIG, matchingPassword, revocationOf, type Handles, type RunResult, type Target, type TargetUser } from './targets.ts';

const STILL_REVOKED = /stays revoked/;

const KINDS: Record<string, Answer> = {
  'invalid-token': 'invalid-token',
  'password-policy-violation': 'policy',
  'permission-denied': 'denied',
  'user-revoked': 'revoked',
  conflict: 'conflict',
};

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Starts the server with `env` (RBAC_STORE and friends) and signs the administrator in. */
export async function httpTarget(name: string, env: Record<string, string>): Promise<Target & { readonly running: RunningServer }> {
  const running = await startServer({
    ...env,
    RBAC_FAILED_ATTEMPTS_LOCKOUT: String(MODEL_CONFIG.threshold),
    RBAC_RESET_REUSE_REFUSALS: String(MODEL_CONFIG.reuseBudget),
    RBAC_PASSWORD_HISTORY: String(MODEL_CONFIG.historySize),
  });
  const call = async (method: string, path: string, body?: unknown, auth?: string): Promise<Reply> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth !== undefined) headers['x-authentication'] = auth;
    const response = await fetch(`${running.base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    const parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    // Kinds come namespaced (`puppetlabs.rbac/invalid-token`); the model knows them by their last part.
    if (typeof parsed['kind'] === 'string') parsed['kind'] = parsed['kind'].replace(/^.*\//, '');
    return { status: response.status, body: parsed };
  };
  const signedIn = await call('POST', '/auth/token', { login: 'admin', password: ADMIN_PASSWORD });
  if (signedIn.status !== 200) throw new Error(`the administrator could not sign in: ${signedIn.status}`);
  const adminSession = signedIn.body['token'] as string;
  const config: ModelConfig = { ...MODEL_CONFIG, sessions: true };
  const service = running.server.router.service;

  const answerOf = (op: Op, reply: Reply): RunResult => {
    const kind = typeof reply.body['kind'] === 'string' ? (reply.body['kind'] as string) : '';
    const raw = `${reply.status} ${kind}`.trim();
    if (reply.status === 200 || reply.status === 204) {
      if (op.type === 'redeem' && STILL_REVOKED.test(String(reply.body['msg']))) return { answer: 'ok-still-revoked', raw };
      return { answer: 'ok', raw };
    }
    if (kind === 'user-unauthenticated') return { answer: op.type === 'signin' ? 'invalid-credentials' : 'unauthenticated', raw };
    return { answer: KINDS[kind] ?? `unexpected ${raw}`, raw };
  };

  return {
    name,
    config,
    running,
    createUsers: (passwords) => createUsers(passwords, service, (login, passwordHash) => running.server.store.createAccount({ login, passwordHash })),
    async run(op, users, handles: Handles) {
      const user = users[op.user] as TargetUser;
      switch (op.type) {
        case 'issue': {
          const reply = await call('POST', `/users/${user.id}/password/reset`, undefined, adminSession);
          const result = answerOf(op, reply);
          return reply.status === 200 ? { ...result, secret: reply.body['token'] as string } : result;
        }
        case 'redeem':
          return answerOf(op, await call('POST', '/auth/reset', { token: handles.tokens.get(op.token) ?? 'no-such-token', password: op.password }));
        case 'change': {
          const session = op.session === null ? undefined : handles.sessions.get(op.session);
          return answerOf(op, await call('PUT', '/users/current/password', { current_password: op.current, password: op.password }, session ?? 'A'.repeat(43)));
        }
        case 'signin': {
          const reply = await call('POST', '/auth/token', { login: user.login, password: op.password });
          const result = answerOf(op, reply);
          return reply.status === 200 ? { ...result, secret: reply.body['token'] as string } : result;
        }
        case 'revoke':
          return answerOf(op, await call('POST', '/command/users/revoke', { user_id: user.id }, adminSession));
        case 'reinstate':
          return answerOf(op, await call('POST', '/command/users/reinstate', { user_id: user.id }, adminSession));
      }
    },
    async observe(user, probes, handles) {
      const stored = await running.server.store.findAccountById(user.id);
      if (stored === null) throw new Error(`user ${user.id} vanished`);
      const tokens = new Map<number, boolean>();
      for (const ref of probes.tokens) {
        const token = handles.tokens.get(ref);
        if (token === undefined) continue;
        const reply = await call('POST', '/command/validate-password', { password: 'probe', reset_token: token });
        if (reply.status !== 200 && reply.body['kind'] !== 'invalid-token') throw new Error(`token probe answered ${reply.status} ${String(reply.body['kind'])}`);
        tokens.set(ref, reply.status === 200);
      }
      const sessions = new Map<number, boolean>();
      for (const ref of probes.sessions) {
        const session = handles.sessions.get(ref);
        if (session === undefined) continue;
        const reply = await call('GET', '/users/current', undefined, session);
        if (reply.status !== 200 && reply.status !== 401) throw new Error(`session probe answered ${reply.status} ${String(reply.body['kind'])}`);
        // 401 user-revoked: the session lives, its account is revoked (the state says which).
        sessions.set(ref, reply.status === 200 || reply.body['kind'] === 'user-revoked');
      }
      return { revoked: revocationOf(stored), failed: stored.failedAttempts ?? 0, password: await matchingPassword(stored.passwordHash, probes.passwords), tokens, sessions };
    },
    close: () => running.close(),
  };
}
