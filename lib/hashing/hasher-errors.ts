/** The worker pool's own failures; both are answered 503 `server-error` like a store outage. */

/** Rejects jobs of a pool that was closed. Answered like any hasher failure (server error). */
export class HasherClosedError extends Error {
  override readonly name = 'HasherClosedError';
  readonly code = 'ERR_HASHER_CLOSED';
  constructor() {
    super('the password hasher is closed');
  }
}

/** Rejects the in-flight job of a worker that stopped on its own; later jobs get a new worker. */
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
