/**
 * The pool's scheduler alone, with a fake clock and fake workers: every job ends when the test
 * says so, so the order in which jobs start is exact and nothing depends on the machine's speed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HasherBusyError, HasherKeyBusyError } from '../../lib/errors.ts';
import { HasherClosedError } from '../../lib/errors.ts';
import { createJobScheduler, type Job, type JobSchedulerOptions, type WorkerEvents } from '../../lib/hashing/job-scheduler.ts';

interface FakeWorker {
  readonly id: number;
  job: Job | null;
  busy: boolean;
  terminated: boolean;
  readonly events: WorkerEvents;
}

/** A scheduler over fake workers; `finish(worker)` ends its job after `ms` on the fake clock. */
function harness(options: Partial<JobSchedulerOptions> = {}, announcesReady = false) {
  let clock = 0;
  const workers: FakeWorker[] = [];
  const started: string[] = [];
  const scheduler = createJobScheduler({
    size: 1,
    maxQueue: 1000,
    maxQueuePerKey: 1000,
    initialJobMs: 100,
    now: () => clock,
    spawn: (events) => {
      const worker: FakeWorker = { id: workers.length, job: null, busy: false, terminated: false, events };
      workers.push(worker);
      return {
        announcesReady,
        run(job) {
          worker.job = job;
          started.push(String(job.payload));
        },
        setBusy(busy) {
          worker.busy = busy;
        },
        terminate: async () => {
          worker.terminated = true;
        },
      };
    },
    ...options,
  });
  const running = () => workers.filter((w) => w.job !== null && !w.terminated);
  return {
    scheduler,
    workers,
    started,
    advance: (ms: number) => {
      clock += ms;
    },
    /** Ends the job of `worker` (default: the first busy one) after `ms` of work. */
    finish(ms = 100, worker = running()[0]) {
      assert.ok(worker !== undefined, 'no job is running');
      clock += ms;
      const job = worker.job as Job;
      worker.job = null;
      worker.events.done({ ok: true, value: `done ${String(job.payload)}` });
    },
    running,
    submit: (key: string, payload: string) => scheduler.submit({ kind: 'hash', payload, key }),
  };
}

/** Time-limit timers that fire only when the test says so; `armed` turns false when disarmed. */
function fakeTimers() {
  const timers: Array<{ ms: number; fire: () => void; armed: boolean }> = [];
  const armTimer: JobSchedulerOptions['armTimer'] = (ms, fire) => {
    const timer = { ms, fire, armed: true };
    timers.push(timer);
    return () => {
      timer.armed = false;
    };
  };
  return { timers, armTimer };
}

/** Submits and keeps the rejection handled, so a refused job is inspected later, not reported. */
function settle(promise: Promise<unknown>): { readonly promise: Promise<PromiseSettledResult<unknown>> } {
  return { promise: Promise.allSettled([promise]).then(([result]) => result as PromiseSettledResult<unknown>) };
}

describe('the job scheduler (fake clock, fake workers)', () => {
  it('two keys with 100 jobs and 1 job: the single job starts within one round', async () => {
    const h = harness({ size: 1 });
    const flood = Array.from({ length: 100 }, (_, i) => settle(h.submit('flood', `flood-${i}`)));
    h.finish();
    const single = h.submit('single', 'single');
    h.finish();
    // flood-0 ran when `single` arrived, flood-1 had started before it: the next start is `single`.
    assert.deepEqual(h.started.slice(0, 3), ['flood-0', 'flood-1', 'single']);
    h.finish();
    assert.equal(await single, 'done single');
    while (h.running().length > 0) h.finish();
    assert.equal(h.started.length, 101);
    for (const job of flood) assert.equal((await job.promise).status, 'fulfilled');
  });

  it('with several workers, a new key takes the next worker that frees', () => {
    const h = harness({ size: 4 });
    for (let i = 0; i < 50; i += 1) settle(h.submit('flood', `flood-${i}`));
    assert.equal(h.running().length, 4);
    settle(h.submit('single', 'single'));
    h.finish(30, h.running()[2]);
    assert.equal(h.started.at(-1), 'single');
  });

  it('serves keys with work waiting in turn, by work time: a key whose jobs run 3x longer starts 3x fewer', () => {
    const h = harness({ size: 1, initialJobMs: 100 });
    for (let i = 0; i < 40; i += 1) {
      settle(h.submit('slow', `slow-${i}`));
      settle(h.submit('fast', `fast-${i}`));
    }
    for (let i = 0; i < 40; i += 1) {
      const current = h.running()[0] as FakeWorker;
      h.finish(String(current.job?.payload).startsWith('slow') ? 300 : 100, current);
    }
    const first40 = h.started.slice(0, 40);
    const slow = first40.filter((name) => name.startsWith('slow')).length;
    const fast = first40.length - slow;
    // Equal shares of time: about 3 fast jobs per slow one (the estimate lags the real cost a little).
    assert.ok(fast >= 2.5 * slow && fast <= 3.5 * slow, `fast ${fast}, slow ${slow}`);
  });

  it('refusal(job) tells the refusal submit would give now, counted and watched the same, and submits nothing', async () => {
    const ends: string[] = [];
    const h = harness({
      size: 1,
      maxQueue: 3,
      maxQueuePerKey: 2,
      watch: (job) => ({ started: () => ends.push(`${job.key} started`), ended: (end) => ends.push(`${job.key} ${end}`) }),
    });
    // A free worker (or one to start): nothing would be refused, and nothing is watched or counted.
    assert.equal(h.scheduler.refusal({ kind: 'hash', key: 'a' }), null);
    const a = [h.submit('a', 'a0'), h.submit('a', 'a1')];
    assert.equal(h.scheduler.refusal({ kind: 'hash', key: 'a' }), null, 'a has 1 waiting of its 2');
    a.push(h.submit('a', 'a2'));
    ends.length = 0;
    const refused = h.scheduler.refusal({ kind: 'hash', key: 'a' });
    assert.ok(refused instanceof HasherKeyBusyError);
    assert.ok(Number.isInteger(refused.retryAfterSeconds) && refused.retryAfterSeconds >= 1);
    // The same Retry-After as a submitted job's refusal.
    const submitted = (await settle(h.submit('a', 'a3')).promise) as PromiseRejectedResult;
    assert.equal(refused.retryAfterSeconds, (submitted.reason as HasherKeyBusyError).retryAfterSeconds);
    assert.equal(h.scheduler.refusal({ kind: 'hash', key: 'b' }), null, 'another key still gets in');
    a.push(h.submit('b', 'b0'));
    const full = h.scheduler.refusal({ kind: 'hash', key: 'c' });
    assert.ok(full instanceof HasherBusyError && !(full instanceof HasherKeyBusyError));
    assert.deepEqual(ends, ['a key-busy', 'a key-busy', 'c busy']);
    assert.deepEqual(
      { rejectedKeyBusy: h.scheduler.stats.rejectedKeyBusy, rejectedBusy: h.scheduler.stats.rejectedBusy, queued: h.scheduler.stats.queued },
      { rejectedKeyBusy: 2, rejectedBusy: 1, queued: 3 },
    );
    while (h.running().length > 0) h.finish();
    await Promise.all(a);
    await h.scheduler.close();
    assert.equal(h.scheduler.refusal({ kind: 'hash', key: 'a' }), null, 'a closed pool is left to submit, which says so');
  });

  it('a key past its bound gets HasherKeyBusyError (429) while others get in; the total bound gives HasherBusyError (503)', async () => {
    const h = harness({ size: 1, maxQueue: 3, maxQueuePerKey: 2 });
    const a = [h.submit('a', 'a0'), h.submit('a', 'a1'), h.submit('a', 'a2')];
    const refused = settle(h.submit('a', 'a3'));
    const result = await refused.promise;
    assert.equal(result.status, 'rejected');
    const reason = (result as PromiseRejectedResult).reason as HasherKeyBusyError;
    assert.ok(reason instanceof HasherKeyBusyError);
    assert.ok(reason instanceof HasherBusyError, 'a key-busy error is a busy error too');
    assert.ok(Number.isInteger(reason.retryAfterSeconds) && reason.retryAfterSeconds >= 1);
    // Another key still has room in the total queue...
    const b = h.submit('b', 'b0');
    // ...until the total bound: then even a key under its own bound is refused, with 503's error.
    const c = await settle(h.submit('c', 'c0')).promise;
    assert.equal(c.status, 'rejected');
    const cReason = (c as PromiseRejectedResult).reason;
    assert.ok(cReason instanceof HasherBusyError && !(cReason instanceof HasherKeyBusyError));
    assert.deepEqual(
      { rejectedKeyBusy: h.scheduler.stats.rejectedKeyBusy, rejectedBusy: h.scheduler.stats.rejectedBusy, queued: h.scheduler.stats.queued },
      { rejectedKeyBusy: 1, rejectedBusy: 1, queued: 3 },
    );
    // Fair order: b0 goes before a's second job.
    h.finish();
    assert.equal(h.started.at(-1), 'b0');
    while (h.running().length > 0) h.finish();
    assert.deepEqual(await Promise.all([...a, b]), ['done a0', 'done a1', 'done a2', 'done b0']);
    // Once its jobs ran, the key may queue again.
    const again = [h.submit('a', 'a4'), h.submit('a', 'a5'), h.submit('a', 'a6')];
    while (h.running().length > 0) h.finish();
    assert.equal((await Promise.all(again)).length, 3);
  });

  it('Retry-After of a busy key follows the measured job time and its share of the workers', async () => {
    const h = harness({ size: 1, maxQueue: 10, maxQueuePerKey: 1, initialJobMs: 100 });
    // Jobs measured at 4 s each.
    for (let i = 0; i < 3; i += 1) {
      const job = h.submit('warm', `warm-${i}`);
      h.finish(4000);
      await job;
    }
    h.submit('a', 'a0');
    h.submit('a', 'a1');
    h.submit('b', 'b0');
    const refused = (await settle(h.submit('a', 'a2')).promise) as PromiseRejectedResult;
    const seconds = (refused.reason as HasherKeyBusyError).retryAfterSeconds;
    // a has 2 jobs (1 running, 1 waiting) at half of one worker, about 2 s each: well over a second.
    assert.ok(seconds >= 4 && seconds <= 60, `Retry-After ${seconds}`);
    while (h.running().length > 0) h.finish();
  });

  it('drops idle keys: 1,000 keys with one job each leave no state behind', async () => {
    const h = harness({ size: 2, maxQueue: 2000 });
    const jobs = Array.from({ length: 1000 }, (_, i) => h.submit(`client-${i}`, `job-${i}`));
    assert.equal(h.scheduler.stats.keys, 1000);
    // Every key was served once, in arrival order.
    while (h.running().length > 0) h.finish();
    assert.equal((await Promise.all(jobs)).length, 1000);
    assert.deepEqual(h.started.slice(0, 3), ['job-0', 'job-1', 'job-2']);
    assert.deepEqual({ keys: h.scheduler.stats.keys, queued: h.scheduler.stats.queued, completed: h.scheduler.stats.completed }, { keys: 0, queued: 0, completed: 1000 });
  });

  it('keeps a key while its job runs, and a key back from idle gets no credit for the turns it missed', () => {
    const h = harness({ size: 1 });
    settle(h.submit('a', 'a0'));
    assert.equal(h.scheduler.stats.keys, 1, 'the running job keeps its key');
    h.finish();
    assert.equal(h.scheduler.stats.keys, 0);
    // b works alone for a while; then, while b5 runs, a comes back with three jobs.
    for (let i = 0; i < 10; i += 1) settle(h.submit('b', `b${i}`));
    for (let i = 0; i < 5; i += 1) h.finish();
    for (let i = 1; i <= 3; i += 1) settle(h.submit('a', `a${i}`));
    for (let i = 0; i < 6; i += 1) h.finish();
    // a alternates with b from now on; it does not get five turns in a row for b's five.
    assert.deepEqual(h.started.slice(6, 13), ['b5', 'a1', 'b6', 'a2', 'b7', 'a3', 'b8']);
    while (h.running().length > 0) h.finish();
    assert.equal(h.scheduler.stats.keys, 0);
  });

  it('a crashed worker fails only its own job; the queue moves on to a fresh worker', async () => {
    const h = harness({ size: 1 });
    const first = settle(h.submit('a', 'a0'));
    const second = h.submit('b', 'b0');
    const crashedWorker = h.workers[0] as FakeWorker;
    crashedWorker.terminated = true;
    const crash = new Error('worker exited');
    crashedWorker.events.exit(crash);
    const result = await first.promise;
    assert.equal(result.status, 'rejected');
    assert.equal((result as PromiseRejectedResult).reason, crash);
    // The waiting job got a new worker at once.
    assert.equal(h.workers.length, 2);
    assert.equal(h.workers[1]?.job?.payload, 'b0');
    h.finish();
    assert.equal(await second, 'done b0');
    // A late answer from the dead worker is ignored.
    crashedWorker.events.done({ ok: true, value: 'late' });
    assert.deepEqual({ crashed: h.scheduler.stats.crashed, workers: h.scheduler.stats.workers, keys: h.scheduler.stats.keys }, { crashed: 1, workers: 1, keys: 0 });
  });

  it('a job past its time limit is rejected, its worker terminated, and the queue goes on with a new one', async () => {
    const { timers, armTimer } = fakeTimers();
    const h = harness({ size: 1, jobTimeoutMs: 5000, timeoutError: () => new Error('too slow'), armTimer });
    const stuck = settle(h.submit('a', 'a0'));
    const next = h.submit('b', 'b0');
    assert.deepEqual(
      timers.map((t) => [t.ms, t.armed]),
      [[5000, true]],
    );
    const stuckWorker = h.workers[0] as FakeWorker;
    timers[0]?.fire();
    const result = await stuck.promise;
    assert.ok(result.status === 'rejected' && (result.reason as Error).message === 'too slow');
    assert.equal(stuckWorker.terminated, true);
    assert.equal(h.workers[1]?.job?.payload, 'b0');
    h.finish(100, h.workers[1]);
    assert.equal(await next, 'done b0');
    assert.equal(timers[1]?.armed, false, 'a finished job disarms its timer');
    // The stuck worker's answer, should it ever come, is ignored.
    stuckWorker.events.done({ ok: true, value: 'late' });
    assert.deepEqual(
      { timedOut: h.scheduler.stats.timedOut, crashed: h.scheduler.stats.crashed, workers: h.scheduler.stats.workers, keys: h.scheduler.stats.keys },
      { timedOut: 1, crashed: 0, workers: 1, keys: 0 },
    );
  });

  it("a new worker's start-up does not count against its first job's time limit; a later job's does not restart", async () => {
    const { timers, armTimer } = fakeTimers();
    const h = harness({ size: 1, jobTimeoutMs: 5000, timeoutError: () => new Error('too slow'), armTimer }, true);
    const first = h.submit('a', 'a0');
    const worker = h.workers[0] as FakeWorker;
    // 4 s of the 5 s go by while the worker starts; then it says it is ready.
    h.advance(4000);
    worker.events.ready();
    assert.deepEqual(
      timers.map((t) => [t.ms, t.armed]),
      [
        [10_000, false],
        [5000, true],
      ],
      'a starting worker gets the limit twice over, then once from when it is ready',
    );
    // 4 s more of work: 8 s since the job was given, 4 s since the worker was ready.
    h.finish(4000, worker);
    assert.equal(await first, 'done a0');
    assert.equal(h.scheduler.stats.timedOut, 0);
    // A worker says it is ready once; a stray second call during a later job changes nothing.
    const second = settle(h.submit('a', 'a1'));
    worker.events.ready();
    assert.deepEqual(
      timers.slice(2).map((t) => [t.ms, t.armed]),
      [[5000, true]],
    );
    timers[2]?.fire();
    const result = await second.promise;
    assert.ok(result.status === 'rejected' && (result.reason as Error).message === 'too slow');
  });

  it('a worker that cannot be started fails only the job it was for', async () => {
    let attempts = 0;
    const scheduler = createJobScheduler({
      size: 1,
      maxQueue: 10,
      maxQueuePerKey: 10,
      initialJobMs: 100,
      now: () => 0,
      spawn: (events) => {
        attempts += 1;
        if (attempts === 1) throw new Error('no threads left');
        return { run: (job) => events.done({ ok: true, value: job.payload }), setBusy() {}, terminate: async () => {} };
      },
    });
    await assert.rejects(scheduler.submit({ kind: 'hash', payload: 'a0', key: 'a' }), /no threads left/);
    assert.equal(await scheduler.submit({ kind: 'hash', payload: 'a1', key: 'a' }), 'a1');
    assert.deepEqual({ keys: scheduler.stats.keys, workers: scheduler.stats.workers }, { keys: 0, workers: 1 });
  });

  it('marks workers busy only while they run, and close() rejects everything and stops them', async () => {
    const h = harness({ size: 1 });
    const jobs = [settle(h.submit('a', 'a0')), settle(h.submit('a', 'a1')), settle(h.submit('b', 'b0'))];
    assert.equal(h.workers[0]?.busy, true);
    await h.scheduler.close();
    for (const job of jobs) {
      const result = await job.promise;
      assert.ok(result.status === 'rejected' && result.reason instanceof HasherClosedError);
    }
    assert.equal(h.workers[0]?.terminated, true);
    await assert.rejects(h.submit('a', 'later'), HasherClosedError);
    assert.deepEqual({ queued: h.scheduler.stats.queued, workers: h.scheduler.stats.workers, closed: h.scheduler.stats.closed }, { queued: 0, workers: 0, closed: true });
  });

  it('lets an idle worker go: not busy once its job is done and nothing waits', () => {
    const h = harness({ size: 1 });
    settle(h.submit('a', 'a0'));
    settle(h.submit('a', 'a1'));
    h.finish();
    assert.equal(h.workers[0]?.busy, true, 'the next job started on it');
    h.finish();
    assert.equal(h.workers[0]?.busy, false);
  });
});
