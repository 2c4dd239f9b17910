/**
 * Every error class of the library: the API's error kinds and the class that carries them to the
 * HTTP layer, the hashers', the stores', the breach check's, and the options'. The error handler
 * tells them apart by class. Messages never contain a password, token, hash or key.
 */

/** Every error kind the library answers, with its usual HTTP status. `server-error` is 503 when storage or the hasher is unavailable. */
export const ERROR_KINDS = {
  'malformed-request': 400,
  'schema-violation': 400,
  'invalid-uuid': 400,
  'password-policy-violation': 400,
  'user-unauthenticated': 401,
  'user-revoked': 401,
  'user-locked': 401,
  /** The right password of an account that must choose a new one first (`passwordMaxAgeDays`, `requirePasswordChange`). */
  'password-change-required': 401,
  'permission-denied': 403,
  'invalid-token': 403,
  'not-found': 404,
  'request-too-large': 413,
  conflict: 409,
  'too-many-requests': 429,
  'server-error': 500,
  /** The store lacks the optional members a route needs (`TokenStore.listOutstanding` and `revokeOutstanding`). */
  'not-implemented': 501,
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;

/** An error the API answers as `{"kind", "msg", "details"?}` with the kind's status. */
export class PasswordApiError extends Error {
  override readonly name = 'PasswordApiError';
  readonly kind: ErrorKind;
  readonly status: number;
  readonly details: unknown;
  /** Whether `msg` may be shown to the client (true below 500, as oidc-provider does, and for 501). */
  readonly expose: boolean;
  /** Seconds for a `Retry-After` header, when the condition is temporary. */
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: ErrorKind, message: string, options: { details?: unknown; status?: number; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.status = options.status ?? ERROR_KINDS[kind];
    this.details = options.details;
    // A 501 names what the host's store lacks: our own words, never a secret.
    this.expose = this.status < 500 || this.status === 501;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * Thrown by a hasher whose queue is full. The router answers 503 `server-error` with
 * `Retry-After`. Custom hashers may throw it too.
 */
export class HasherBusyError extends Error {
  override readonly name: string = 'HasherBusyError';
  readonly code: string = 'ERR_HASHER_BUSY';
  constructor(readonly retryAfterSeconds = 1) {
    super('the password hasher is busy; try again shortly');
  }
}

/**
 * Thrown by a hasher when one client (one fairness key) already has its share of the queue
 * waiting (`maxQueuePerKey`) while the queue still has room for others. The router answers 429 `too-many-requests` with
 * `Retry-After`. A `HasherBusyError` too, so code that catches "busy" keeps working.
 */
export class HasherKeyBusyError extends HasherBusyError {
  override readonly name: string = 'HasherKeyBusyError';
  override readonly code: string = 'ERR_HASHER_KEY_BUSY';
  constructor(retryAfterSeconds = 1) {
    super(retryAfterSeconds);
    this.message = 'too many password requests from this client at once; try again shortly';
  }
}

/** Thrown when a store call fails or exceeds `storeTimeoutMs`; answered 503 `server-error`. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(`storage operation ${operation} failed`, { cause });
  }
}

/** Rejects jobs of a pool that was closed. Answered 503 `server-error`, like a store outage. */
export class HasherClosedError extends Error {
  override readonly name = 'HasherClosedError';
  readonly code = 'ERR_HASHER_CLOSED';
  constructor() {
    super('the password hasher is closed');
  }
}

/** Rejects the in-flight job of a worker that stopped on its own; later jobs get a new worker. Answered 503. */
export class HasherWorkerExitError extends Error {
  override readonly name = 'HasherWorkerExitError';
  readonly code = 'ERR_HASHER_WORKER_EXIT';
  constructor(
    readonly exitCode: number,
    cause: unknown,
  ) {
    super(`a password hasher worker stopped unexpectedly (exit code ${exitCode})`, cause === undefined ? undefined : { cause });
  }
}

/** Rejects a pool job that ran past `jobTimeoutMs`. Answered like any hasher failure (server error). */
export class HasherTimeoutError extends Error {
  override readonly name = 'HasherTimeoutError';
  readonly code = 'ERR_HASHER_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`a password hashing job ran longer than ${timeoutMs} ms and was stopped`);
  }
}

/**
 * Thrown by a verifier (or its tools) to refuse a hash without verifying it: parameters above
 * the cap, or a hash too malformed to check. The sign-in fails like a wrong password, and the
 * log says why once, never with the hash.
 */
export class HashRefusedError extends Error {
  override readonly name = 'HashRefusedError';
  readonly code = 'ERR_HASH_REFUSED';
  constructor(reason: string) {
    super(reason);
  }
}

/** Why a breach check failed; `reason` is a short non-secret code for logs and events. */
export class BreachCheckError extends Error {
  override readonly name = 'BreachCheckError';
  constructor(
    readonly reason: 'timeout' | 'network' | 'http-status' | 'malformed-response' | 'too-large',
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * Stable codes of option problems, for tests and tools (messages may be reworded):
 * - `unknown-option`: not an option (the message suggests the closest one);
 * - `not-an-object`: the options, or an option that must be an object, are not one;
 * - `required`: a required option is missing;
 * - `wrong-type`: e.g. a string where a number, boolean or function belongs;
 * - `out-of-range`: a number outside its range, or a fraction where an integer belongs;
 * - `invalid-value`: a value of the right type that is not allowed (an unknown mode, a malformed URL);
 * - `missing-method`: a store, authorizer, hasher or checker lacks a method the options need;
 * - `conflict`: options that do not go together, or one that needs another.
 */
export type OptionProblemCode = 'unknown-option' | 'not-an-object' | 'required' | 'wrong-type' | 'out-of-range' | 'invalid-value' | 'missing-method' | 'conflict';

/** One problem with one option. `option` is a path such as `policy.passwordHistory` or `previousTokenKeys[1]`. */
export interface OptionProblem {
  readonly option: string;
  readonly code: OptionProblemCode;
  /** The option and what is wrong, e.g. `bcryptCost must be an integer from 4 to 31; got 3.` */
  readonly message: string;
}

/**
 * Thrown by `createPasswordService` and `createPasswordRouter` when options are wrong: every
 * problem at once, in `problems` and one per line in the message. A `TypeError` (and named so),
 * as before, so code that catches `TypeError` keeps working.
 */
export class PasswordOptionsError extends TypeError {
  readonly problems: readonly OptionProblem[];
  constructor(problems: readonly OptionProblem[]) {
    super(
      problems.length === 1
        ? `express-rbac-password: option ${problems[0]?.message}`
        : `express-rbac-password: ${problems.length} option problems:\n${problems.map((p) => `  - option ${p.message}`).join('\n')}`,
    );
    this.problems = Object.freeze(problems.map((p) => Object.freeze({ ...p })));
  }
}
