/**
 * The router's side of the telemetry: a first handler per route that opens the operation's span
 * (current for the rest of the request, so hashing jobs nest in it) and counts the operation
 * with its outcome once the answer is sent, and an error handler, placed before the router's,
 * that notes which error kind the answer carries. Off, both are empty: nothing is mounted.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Operation, Outcome } from './metric-names.ts';
import type { Telemetry } from './telemetry.ts';

export interface RouteTelemetry {
  /** Handlers to put first in the route of `operation`. */
  operation(operation: Operation): RequestHandler[];
  /** Handlers to put just before the router's error handler. */
  readonly errors: ErrorRequestHandler[];
}

/** `kindOf`: the error kind an error is answered with (the router's `toApiError`). */
export function routeTelemetry(telemetry: Telemetry, kindOf: (error: unknown) => Outcome): RouteTelemetry {
  if (!telemetry.enabled) return { operation: () => [], errors: [] };
  const failures = new WeakMap<Response, Outcome>();
  const noteError: ErrorRequestHandler = function noteErrorOutcome(error, _req, res, next) {
    failures.set(res, kindOf(error));
    next(error);
  };
  return {
    operation(operation) {
      const start: RequestHandler = function startOperation(_req, res, next) {
        const record = telemetry.startOperation(operation);
        const end = () => {
          const outcome = !res.writableFinished ? 'aborted' : res.statusCode < 400 ? 'success' : (failures.get(res) ?? 'server-error');
          record.end(outcome, res.statusCode);
        };
        // 'close' follows 'finish' on an answered request, and comes alone when the client left.
        res.once('close', end);
        record.run(() => next());
      };
      return [start];
    },
    errors: [noteError],
  };
}
