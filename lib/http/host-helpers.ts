/**
 * Small pieces of the router that a host's own routes need too (exported, so a host does not
 * copy them): the async-handler wrapper, the security headers, and the request id.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const requestIds = new WeakMap<Request, string>();

/** Wraps an async handler so a rejection reaches the error handler: Express 4 does not forward rejected promises to `next`. */
export function asyncHandler(fn: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return function passwordRoute(req, res, next) {
    fn(req, res).catch(next);
  };
}

/** Headers on every answer of ours: tokens must not be cached, sniffed, or leak through Referer. */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  // setHeader, not res.set({...}): Express's per-field checks cost more than the rest of a token issue.
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next();
}

/**
 * The router's default request id: a sane `X-Request-Id` header (1 to 128 of `A-Za-z0-9._:-`),
 * else a random UUID. The same id for every call on one request, so a host's routes and the
 * router's events agree.
 */
export function requestIdOf(req: Request): string {
  const known = requestIds.get(req);
  if (known !== undefined) return known;
  const header = req.get('x-request-id');
  const id = header !== undefined && SANE_REQUEST_ID.test(header) ? header : randomUUID();
  requestIds.set(req, id);
  return id;
}
