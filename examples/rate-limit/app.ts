/**
 * Example: pairing the unauthenticated `POST /auth/reset` (and `validate-password`, which also
 * takes a token) with `express-rate-limit`, so one client cannot hammer token redemption or keep
 * the password hasher busy. The limiter is mounted in front of the router, on those paths only.
 * Run it with `npx tsx examples/rate-limit/app.ts`; `test/examples/examples.test.ts` drives it.
 */
import express from 'express';
import { createPasswordRouter, MemoryTokenStore, MemoryUserStore, type PasswordRouterOptions } from 'express-rbac-password';
// #region limiter
import { rateLimit } from 'express-rate-limit';

/** At most `limit` token redemptions per client and window, answered in the router's error format. */
export function resetLimiter(limit = 5, windowMs = 15 * 60_000) {
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res, _next, options) => {
      res.status(options.statusCode).json({ kind: 'puppetlabs.rbac/too-many-requests', msg: 'Too many password reset attempts; try again later' });
    },
  });
}
// #endregion

/** Builds the host app; `options` go to createPasswordRouter. */
export function createApp(options: Partial<PasswordRouterOptions> = {}, limit = 5) {
  const users = new MemoryUserStore();
  const passwords = createPasswordRouter({
    userStore: users,
    tokenStore: new MemoryTokenStore(),
    authorizer: { authenticate: () => null, canResetPassword: () => false },
    tokenKey: process.env['RESET_TOKEN_SECRET'] ?? 'example-only-secret-of-at-least-32-bytes',
    bcryptCost: 4, // demo speed; keep the default (12) in production
    ...options,
  });
  const app = express();
  // Behind a reverse proxy, set `app.set('trust proxy', 1)` so the limiter sees the client's address.
  // #region mount
  const limiter = resetLimiter(limit);
  app.use(['/rbac-api/v1/auth/reset', '/rbac-api/v1/command/validate-password'], limiter);
  app.use('/rbac-api/v1', passwords);
  // #endregion
  return { app, passwords, users };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { app } = createApp();
  app.listen(Number(process.env['PORT'] ?? 3000), () => console.log('rate-limit example listening'));
}
