/**
 * The code each pool worker runs, kept as a plain-JavaScript string and started with
 * `new Worker(source, { eval: true })`. A worker file next to this one would be `.ts` under
 * tsx and `.js` in dist/, and Node cannot start a worker from a `.ts` file by itself; a string
 * works the same in both. bcryptjs is loaded from an absolute path the parent resolved
 * (`workerData.bcryptPath`), so the worker needs no module resolution of its own.
 */

/** Messages the pool sends to a worker. Passwords cross only here, and are never logged. */
export type WorkerRequest =
  | { readonly id: number; readonly op: 'hash'; readonly password: string; readonly cost: number }
  | { readonly id: number; readonly op: 'verify'; readonly password: string; readonly hash: string };

/** A worker's answer to one request. `message` is bcryptjs's error text, which holds no secret. */
export type WorkerResponse = { readonly id: number; readonly ok: true; readonly value: string | boolean } | { readonly id: number; readonly ok: false; readonly message: string };

/**
 * The worker's program. It uses bcryptjs's sync API on purpose: the worker has nothing else to
 * do, so the async API's slicing would only add overhead. A malformed hash verifies as false.
 */
export const BCRYPT_WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', (job) => {
  let reply;
  try {
    if (job.op === 'hash') {
      reply = { id: job.id, ok: true, value: bcrypt.hashSync(job.password, job.cost) };
    } else {
      let match = false;
      try { match = bcrypt.compareSync(job.password, job.hash); } catch { match = false; }
      reply = { id: job.id, ok: true, value: match };
    }
  } catch (err) {
    reply = { id: job.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  parentPort.postMessage(reply);
});
`;
