/**
 * Example: mounting the router into an existing Express 4 app whose users sign in with its own
 * cookie sessions. A custom `Authorizer` reads those sessions; the host's login route uses the
 * library's `verifyLogin` so lockout and normalization are shared; a password change ends the
 * user's other sessions. Run it with `npx tsx examples/express4-host-sessions/app.ts`;
 * `test/examples/examples.test.ts` drives it on Express 4.
 */
// #region imports
import express from 'express';
import { createErrorHandler, createPasswordRouter, MemoryTokenStore, MemoryUserStore, type Authorizer, type Principal } from 'express-rbac-password';
import { HostSessions } from './sessions.ts';
// #endregion

// #region authorizer
/** The principal this host hands the router: its user id plus the session's permissions. */
interface SessionPrincipal extends Principal {
  readonly permissions: readonly string[];
}

/** Authenticates with the host's own cookie sessions; permissions follow `users:reset_password:<sid>`. */
function sessionAuthorizer(sessions: HostSessions): Authorizer<SessionPrincipal> {
  return {
    authenticate: (req) => sessions.lookup(req) ?? null,
    canResetPassword: (principal, user) => principal.permissions.includes('users:reset_password:*') || principal.permissions.includes(`users:reset_password:${user.id}`),
  };
}
// #endregion

/** Builds the host app. */
export function createHostApp(resetTokenSecret = process.env['RESET_TOKEN_SECRET'] ?? 'example-only-secret-of-at-least-32-bytes') {
  // #region mount
  const app = express(); // your existing RBAC server
  const sessions = new HostSessions(); // and its own sessions
  const users = new MemoryUserStore(); // or your own UserStore over your users table
  const passwords = createPasswordRouter({
    userStore: users,
    tokenStore: new MemoryTokenStore(),
    authorizer: sessionAuthorizer(sessions), // who is calling, and may they reset this user's password?
    tokenKey: resetTokenSecret, // HS256 secret of at least 32 bytes; there is no default
    onPasswordChanged: (user) => void sessions.endAllFor(user.id), // sign the user out everywhere
  });
  app.use('/rbac-api/v1', passwords);

  // Your own login route can use the same lockout, normalization and per-client share of the hashing pool:
  app.post('/login', express.json(), async (req, res, next) => {
    try {
      const result = await passwords.service.verifyLogin(String(req.body.login), String(req.body.password), passwords.callContext(req));
      if (!result.ok) return res.status(401).json({ kind: 'puppetlabs.rbac/user-unauthenticated', msg: 'Invalid login or password' });
      const permissions = result.user.login === 'admin' ? ['users:reset_password:*'] : [];
      sessions.start(res, { userId: result.user.id, permissions });
      return res.json({ msg: 'Signed in' });
    } catch (error) {
      return next(error); // a flooding client gets 429 too-many-requests, a full pool 503
    }
  });
  app.use('/login', createErrorHandler());
  // #endregion
  return { app, passwords, users, sessions };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { app, passwords, users } = createHostApp();
  users.createUser({ login: 'admin', passwordHash: await passwords.service.hashPassword('Admin-Pa55word-2026') });
  users.createUser({ login: 'alice', passwordHash: await passwords.service.hashPassword('First-Pa55word-2026') });
  app.listen(Number(process.env['PORT'] ?? 3000), () => console.log('express4-host-sessions example listening'));
}
