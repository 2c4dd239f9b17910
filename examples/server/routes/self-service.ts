/**
 * `GET /self-service-reset`: tells the reset page whether to offer the "Forgot your password?"
 * form (self-service reset is on only with `RBAC_SMTP_URL`) or to say "ask an administrator".
 * Configuration, the same for everyone: it reveals nothing about any account.
 */
import { Router } from 'express';
import type { RouteContext } from './context.ts';

export function selfServiceRoutes(context: RouteContext): Router {
  const router = Router();
  router.get('/self-service-reset', (_req, res) => {
    res.status(200).json({ enabled: context.service.selfServiceReset !== null });
  });
  return router;
}
