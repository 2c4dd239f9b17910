/**
 * The API's error kinds and the one error class that carries them to the HTTP layer.
 * Messages never contain a password, token, hash or key.
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
  'permission-denied': 403,
  'invalid-token': 403,
  'not-found': 404,
  'request-too-large': 413,
  conflict: 409,
  'too-many-requests': 429,
  'server-error': 500,
} as const;

export type ErrorKind = keyof typeof ERROR_KINDS;

/** An error the API answers as `{"kind", "msg", "details"?}` with the kind's status. */
export class PasswordApiError extends Error {
  override readonly name = 'PasswordApiError';
  readonly kind: ErrorKind;
  readonly status: number;
  readonly details: unknown;
  /** Whether `msg` may be shown to the client (true below 500, as oidc-provider does). */
  readonly expose: boolean;
  /** Seconds for a `Retry-After` header, when the condition is temporary. */
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: ErrorKind, message: string, options: { details?: unknown; status?: number; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.status = options.status ?? ERROR_KINDS[kind];
    this.details = options.details;
    this.expose = this.status < 500;
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
