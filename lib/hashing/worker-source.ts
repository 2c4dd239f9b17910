/**
 * The code each pool worker runs, kept as a plain-JavaScript string and started with
 * `new Worker(source, { eval: true })`. A worker file next to this one would be `.ts` under
 * tsx and `.js` in dist/, and Node cannot start a worker from a `.ts` file by itself; a string
 * works the same in both. bcryptjs is loaded from an absolute path the parent resolved
 * (`workerData.bcryptPath`), so the worker needs no module resolution of its own.
 *
 * A job is generic: a `kind` naming one of the worker's handlers, and that handler's `payload`.
 * bcrypt makes and checks the primary hashes; the key-derivation kinds serve the legacy
 * verifiers (lib/hashing/legacy/), so every password check runs here and never on the main
 * thread.
 */

/** What each job kind takes. Passwords cross only here, and are never logged. */
export interface WorkerJobPayloads {
  /** A new bcrypt hash. Answers the hash string. */
  readonly 'bcrypt-hash': { readonly password: string; readonly cost: number };
  /** Whether the password matches a bcrypt hash; a malformed hash is false. */
  readonly 'bcrypt-verify': { readonly password: string; readonly hash: string };
  /** PBKDF2-HMAC (node:crypto). Answers the derived key. */
  readonly pbkdf2: {
    readonly password: string;
    readonly salt: Uint8Array;
    readonly iterations: number;
    readonly keyLength: number;
    readonly digest: 'sha1' | 'sha256' | 'sha512';
  };
  /** scrypt (node:crypto), N = 2^logN. Answers the derived key. */
  readonly scrypt: {
    readonly password: string;
    readonly salt: Uint8Array;
    readonly logN: number;
    readonly r: number;
    readonly p: number;
    readonly keyLength: number;
  };
  /**
   * An iterated salted digest (node:crypto): H(salt || password) or H(password || salt), then H
   * of the previous digest, `iterations` digests in all. Answers the last digest.
   */
  readonly 'iterated-digest': {
    readonly password: string;
    readonly salt: Uint8Array;
    readonly iterations: number;
    readonly algorithm: 'sha256' | 'sha512';
    readonly order: 'salt-first' | 'password-first';
  };
  /** Whether the password matches an argon2 PHC string, through the module at `modulePath` (@node-rs/argon2). */
  readonly 'argon2-verify': { readonly modulePath: string; readonly password: string; readonly hash: string };
  /** A new argon2id hash (version 0x13, PHC string), through the module at `modulePath`. `memoryCost` is in KiB. */
  readonly 'argon2id-hash': {
    readonly modulePath: string;
    readonly password: string;
    readonly memoryCost: number;
    readonly timeCost: number;
    readonly parallelism: number;
  };
}

/** The job kinds a worker runs. */
export type WorkerJobKind = keyof WorkerJobPayloads;

/** What each job kind answers. */
export interface WorkerJobResults {
  readonly 'bcrypt-hash': string;
  readonly 'bcrypt-verify': boolean;
  readonly pbkdf2: Uint8Array;
  readonly scrypt: Uint8Array;
  readonly 'iterated-digest': Uint8Array;
  readonly 'argon2-verify': boolean;
  readonly 'argon2id-hash': string;
}

/** A message the pool sends to a worker. */
export interface WorkerRequest {
  readonly id: number;
  readonly kind: WorkerJobKind;
  readonly payload: WorkerJobPayloads[WorkerJobKind];
}

/** A worker's answer to one request. `message` is the library's error text, which holds no secret. */
export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly value: WorkerJobResults[WorkerJobKind] }
  | { readonly id: number; readonly ok: false; readonly message: string };

/** What the worker posts once, when its program has loaded: from here on, a job's time limit counts. */
export interface WorkerReady {
  readonly ready: true;
}

/**
 * The worker's program. It uses sync APIs on purpose: the worker has nothing else to do, so the
 * async APIs' slicing or thread hops would only add overhead. A malformed bcrypt hash verifies
 * as false. scrypt's `maxmem` is sized to the job: the caller already refused parameters above
 * its cap, so the worker never needs a fixed ceiling of its own.
 */
export const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const bcrypt = require(workerData.bcryptPath);
const modules = new Map();
function load(path) {
  let mod = modules.get(path);
  if (mod === undefined) { mod = require(path); modules.set(path, mod); }
  return mod;
}
function iteratedDigest(job) {
  const password = Buffer.from(job.password, 'utf8');
  const salt = Buffer.from(job.salt);
  let digest = crypto.createHash(job.algorithm)
    .update(job.order === 'salt-first' ? salt : password)
    .update(job.order === 'salt-first' ? password : salt)
    .digest();
  for (let i = 1; i < job.iterations; i++) digest = crypto.createHash(job.algorithm).update(digest).digest();
  return digest;
}
const handlers = {
  'bcrypt-hash': (job) => bcrypt.hashSync(job.password, job.cost),
  'bcrypt-verify': (job) => { try { return bcrypt.compareSync(job.password, job.hash); } catch { return false; } },
  pbkdf2: (job) => crypto.pbkdf2Sync(job.password, Buffer.from(job.salt), job.iterations, job.keyLength, job.digest),
  scrypt: (job) => {
    const N = 2 ** job.logN;
    return crypto.scryptSync(job.password, Buffer.from(job.salt), job.keyLength, { N, r: job.r, p: job.p, maxmem: 128 * N * job.r * 2 + 1024 * 1024 });
  },
  'iterated-digest': iteratedDigest,
  'argon2-verify': (job) => {
    const argon2 = load(job.modulePath);
    try { return argon2.verifySync(job.hash, job.password) === true; } catch { return false; }
  },
  // algorithm 2 is Argon2id in @node-rs/argon2's Algorithm enum; the version is its default, 0x13.
  'argon2id-hash': (job) => load(job.modulePath).hashSync(job.password, { algorithm: 2, memoryCost: job.memoryCost, timeCost: job.timeCost, parallelism: job.parallelism }),
};
parentPort.on('message', (job) => {
  let reply;
  try {
    const handler = handlers[job.kind];
    if (handler === undefined) throw new Error('unknown job kind ' + String(job.kind));
    reply = { id: job.id, ok: true, value: handler(job.payload) };
  } catch (err) {
    reply = { id: job.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  parentPort.postMessage(reply);
});
parentPort.postMessage({ ready: true });
`;
