import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { HasherBusyError } from '../../lib/errors.ts';
import { createBcryptHasher, createWorkerPoolHasher, HasherClosedError, HasherTimeoutError, HasherWorkerExitError, type WorkerPoolHasher } from '../../lib/hashing/index.ts';
import { createPool, workerData } from '../../lib/hashing/worker-pool-hasher.ts';
import { WORKER_SOURCE } from '../../lib/hashing/worker-source.ts';
import type { Hasher } from '../../lib/types.ts';

// Each entry is malformed in a different way: empty, not bcrypt, right length but garbage,
// unknown version, out-of-range cost, bad salt alphabet.
const MALFORMED_HASHES = [
  '',
  'not-a-hash',
  'x'.repeat(60),
  '$2x$04$abcdefghijklmnopqrstuuFhFzUm0TK8cbnHqz1Q/kSNLJjHxVxW',
  '$2b$99$abcdefghijklmnopqrstuuFhFzUm0TK8cbnHqz1Q/kSNLJjHxVxW2',
  '$2b$04$!!!!!!!!!!!!!!!!!!!!!!FhFzUm0TK8cbnHqz1Q/kSNLJjHxVxW2',
];

const hashers: Array<[string, () => Hasher & { close?: () => Promise<void> }]> = [
  ['createBcryptHasher', () => createBcryptHasher({ cost: 4 })],
  ['createWorkerPoolHasher', () => createWorkerPoolHasher({ cost: 4, size: 2 })],
];

for (const [name, make] of hashers) {
  describe(name, () => {
    it('round-trips a password and refuses a wrong one', async () => {
      const hasher = make();
      try {
        const hash = await hasher.hash('correct horse');
        assert.match(hash, /^\$2b\$04\$/);
        assert.equal(await hasher.verify('correct horse', hash), true);
        assert.equal(await hasher.verify('correct horsf', hash), false);
        assert.equal(hasher.maxPasswordBytes, 72);
      } finally {
        await hasher.close?.();
      }
    });

    it('resolves false, never throws, for a malformed hash', async () => {
      const hasher = make();
      try {
        for (const bad of MALFORMED_HASHES) {
          assert.equal(await hasher.verify('pw', bad), false, `hash ${JSON.stringify(bad)}`);
        }
      } finally {
        await hasher.close?.();
      }
    });

    it('refuses a cost outside 4..31 or not an integer at construction', () => {
      const build = name === 'createBcryptHasher' ? (cost: number) => createBcryptHasher({ cost }) : (cost: number) => createWorkerPoolHasher({ cost, size: 1 });
      for (const cost of [3, 32, 10.5, Number.NaN, -1]) {
        assert.throws(() => build(cost), { name: 'RangeError', message: /cost must be an integer from 4 to 31/ });
      }
    });
  });
}

describe('the two hashers', () => {
  it('verify each other’s hashes', async () => {
    const inThread = createBcryptHasher({ cost: 4 });
    const pool = createWorkerPoolHasher({ cost: 4, size: 1 });
    try {
      assert.equal(await pool.verify('pw', await inThread.hash('pw')), true);
      assert.equal(await inThread.verify('pw', await pool.hash('pw')), true);
    } finally {
      await pool.close();
    }
  });
});

describe('createWorkerPoolHasher', () => {
  it('refuses a bad size or maxQueue', () => {
    assert.throws(() => createWorkerPoolHasher({ size: 0 }), RangeError);
    assert.throws(() => createWorkerPoolHasher({ size: 1.5 }), RangeError);
    assert.throws(() => createWorkerPoolHasher({ size: 1, maxQueue: -1 }), RangeError);
  });

  it('starts no worker before the first job', async () => {
    const pool = createWorkerPoolHasher({ cost: 4, size: 2 });
    try {
      assert.deepEqual({ workers: pool.stats.workers, active: pool.stats.active, queued: pool.stats.queued }, { workers: 0, active: 0, queued: 0 });
      await pool.hash('pw');
      // One job needed one worker; the second is only started when two run at once.
      assert.equal(pool.stats.workers, 1);
      assert.equal(pool.stats.active, 0);
      assert.equal(pool.stats.completed, 1);
    } finally {
      await pool.close();
    }
  });

  it('accepts size + maxQueue jobs and refuses the rest with HasherBusyError', async () => {
    // One key may fill the whole queue here, so the total bound is what refuses.
    const pool = createWorkerPoolHasher({ cost: 10, size: 1, maxQueue: 2, maxQueuePerKey: 2 });
    try {
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => pool.hash(`password ${i}`)));
      const accepted = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(accepted.length, 3);
      assert.equal(refused.length, 7);
      for (const { reason } of refused) {
        assert.ok(reason instanceof HasherBusyError);
        assert.ok(Number.isInteger(reason.retryAfterSeconds) && reason.retryAfterSeconds >= 1);
      }
      // FIFO: the first three calls got in.
      assert.deepEqual(results.map((r) => r.status).slice(0, 3), ['fulfilled', 'fulfilled', 'fulfilled']);
      assert.equal(pool.stats.rejectedBusy, 7);
    } finally {
      await pool.close();
    }
  });

  it('close() rejects queued and running jobs, is idempotent, and later calls reject', async () => {
    const pool = createWorkerPoolHasher({ cost: 10, size: 1, maxQueue: 5 });
    const jobs = [pool.hash('a'), pool.hash('b'), pool.verify('c', '$2b$10$abcdefghijklmnopqrstuuFhFzUm0TK8cbnHqz1Q/kSNLJjHxVxW2')];
    assert.equal(pool.stats.queued, 2);
    // Handlers first: close() rejects the jobs synchronously.
    const settled = Promise.allSettled(jobs);
    const first = pool.close();
    const second = pool.close();
    assert.equal(first, second);
    await first;
    for (const result of await settled) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof HasherClosedError);
    }
    assert.deepEqual({ workers: pool.stats.workers, queued: pool.stats.queued, closed: pool.stats.closed }, { workers: 0, queued: 0, closed: true });
    await assert.rejects(pool.hash('d'), HasherClosedError);
    await assert.rejects(pool.verify('d', 'x'), HasherClosedError);
    await pool.close();
  });

  it('does not keep a process alive that never calls close()', async () => {
    const entry = new URL('../../lib/hashing/index.ts', import.meta.url).href;
    const script = `
      const { createWorkerPoolHasher } = await import(${JSON.stringify(entry)});
      const pool = createWorkerPoolHasher({ cost: 4, size: 2 });
      const [a, b] = await Promise.all([pool.hash('one'), pool.hash('two')]);
      if (!(await pool.verify('one', a)) || !(await pool.verify('two', b))) process.exit(2);
      if (pool.stats.workers !== 2) process.exit(3);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [code, signal] = (await new Promise((resolve) => child.on('exit', (...args) => resolve(args)))) as [number | null, string | null];
    clearTimeout(timer);
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, `child stderr: ${stderr}`);
  });

  describe('when a worker dies', () => {
    // A stand-in worker that exits on the password 'crash', so the test needs no real fault.
    const CRASHY_WORKER = `
      const { parentPort } = require('node:worker_threads');
      parentPort.on('message', (job) => {
        if (job.payload.password === 'crash') process.exit(7);
        parentPort.postMessage({ id: job.id, ok: true, value: job.kind === 'bcrypt-hash' ? 'h:' + job.payload.password : true });
      });
    `;

    it('rejects its in-flight job and replaces it for the next ones', async () => {
      const pool: WorkerPoolHasher = createPool({ cost: 4, size: 1, maxQueue: 4 }, CRASHY_WORKER, null);
      try {
        const [crashed, queued] = await Promise.allSettled([pool.hash('crash'), pool.hash('fine')]);
        assert.equal(crashed?.status, 'rejected');
        assert.ok(crashed.status === 'rejected' && crashed.reason instanceof HasherWorkerExitError);
        assert.equal(crashed.reason.exitCode, 7);
        assert.deepEqual(queued, { status: 'fulfilled', value: 'h:fine' });
        assert.equal(await pool.hash('later'), 'h:later');
        assert.equal(pool.stats.crashed, 1);
        assert.equal(pool.stats.workers, 1);
      } finally {
        await pool.close();
      }
    });
  });

  describe('job time limit', () => {
    // A stand-in worker that never answers the password 'hang' (like a compare of a cost-31 hash).
    const HANGING_WORKER = `
      const { parentPort } = require('node:worker_threads');
      parentPort.on('message', (job) => {
        if (job.payload.password === 'hang') { for (;;) {} }
        parentPort.postMessage({ id: job.id, ok: true, value: job.kind === 'bcrypt-hash' ? 'h:' + job.payload.password : true });
      });
      parentPort.postMessage({ ready: true });
    `;

    // The queued job runs on a new worker, which a loaded machine may start slowly: 1.5 s, not 300 ms, to be safe.
    it('rejects a job past jobTimeoutMs with HasherTimeoutError, terminates its worker, and serves the queue on a new one', async () => {
      const pool: WorkerPoolHasher = createPool({ cost: 4, size: 1, maxQueue: 4, jobTimeoutMs: 1500 }, HANGING_WORKER, null);
      try {
        const [hung, queued] = await Promise.allSettled([pool.hash('hang'), pool.hash('fine')]);
        assert.ok(hung.status === 'rejected' && hung.reason instanceof HasherTimeoutError, String(hung.status));
        assert.deepEqual(queued, { status: 'fulfilled', value: 'h:fine' });
        assert.equal(pool.stats.timedOut, 1);
        assert.equal(pool.stats.crashed, 0);
        assert.equal(await pool.hash('later'), 'h:later');
      } finally {
        await pool.close();
      }
    });

    it("a worker's start-up is not its first job's: the library's worker program, 1.5 s slow to start, still hashes within a 1 s limit", async () => {
      // Stands for a thread starting on a loaded machine; the program says when it is ready.
      const SLOW_START = `{ const until = Date.now() + 1500; while (Date.now() < until) {} }\n`;
      const pool = createPool({ cost: 4, size: 1, jobTimeoutMs: 1000 }, SLOW_START + WORKER_SOURCE, workerData());
      try {
        assert.match(await pool.hash('x'), /^\$2b\$04\$/);
        assert.equal(pool.stats.timedOut, 0);
      } finally {
        await pool.close();
      }
    });

    it('refuses a bad jobTimeoutMs', () => {
      assert.throws(() => createPool({ cost: 4, jobTimeoutMs: 0 }, HANGING_WORKER, null), RangeError);
      assert.throws(() => createPool({ cost: 4, jobTimeoutMs: 1.5 }, HANGING_WORKER, null), RangeError);
    });
  });
});
