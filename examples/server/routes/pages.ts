/**
 * The reset page and the change-password page: static HTML, CSS and script files served with a
 * strict Content-Security-Policy (no inline script or style) and `Referrer-Policy: no-referrer`,
 * so the token in the URL fragment never leaves the page except in the reset request itself.
 * Also `GET /password-policy`, the rules in words, for the pages to list before the user types.
 */
import { readFileSync } from 'node:fs';
import { Router, type Response } from 'express';
import { describePasswordPolicy } from 'express-rbac-password';
import type { RouteContext } from './context.ts';

const PUBLIC = new URL('../public/', import.meta.url);

/** Headers of every page and asset. */
export const PAGE_SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
} as const;

const ASSETS: Record<string, string> = {
  'style.css': 'text/css; charset=utf-8',
  'password-form.js': 'text/javascript; charset=utf-8',
  'reset-password.js': 'text/javascript; charset=utf-8',
  'change-password.js': 'text/javascript; charset=utf-8',
  'forgot-password.js': 'text/javascript; charset=utf-8',
  'noscript.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

// Read once: the files are small and this keeps the request path free of file-system access.
const load = (name: string) => readFileSync(new URL(name, PUBLIC));

export function pageRoutes(context: RouteContext): Router {
  const router = Router();
  const files = new Map<string, Buffer>(['reset-password.html', 'change-password.html', ...Object.keys(ASSETS)].map((name) => [name, load(name)]));
  const serve = (res: Response, name: string, type: string) => {
    res.set(PAGE_SECURITY_HEADERS).type(type).send(files.get(name));
  };

  router.get('/reset-password', (_req, res) => serve(res, 'reset-password.html', 'text/html; charset=utf-8'));
  router.get('/change-password', (_req, res) => serve(res, 'change-password.html', 'text/html; charset=utf-8'));
  router.get('/ui/:file', (req, res, next) => {
    const name = String(req.params['file']);
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (type === undefined) return next();
    serve(res, name, type);
  });
  router.get('/password-policy', (_req, res) => {
    res.status(200).json({ rules: describePasswordPolicy(context.service.policy, { maxPasswordBytes: 72, breachedPasswords: context.service.checksBreachedPasswords }) });
  });
  return router;
}
