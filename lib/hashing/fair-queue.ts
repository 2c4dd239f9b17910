/**
 * Per-key FIFO queues served fairly between keys (start-time fair queueing, a relative of deficit
 * round robin). Each key has a virtual clock, `nextStart`, that advances by the cost of every job
 * the key starts (its estimate at the start, corrected by the real run time at the end); the key
 * with the smallest clock goes next. So each key with work waiting gets an equal share of the
 * work time, however many jobs it queued, and a key that arrives while another has 100 jobs
 * waiting starts within one round. A key comes back from idle at the current virtual time: it is
 * owed its next turn, not the turns it missed.
 *
 * Pure bookkeeping, no clock and no workers (see job-scheduler.ts); O(log n) per job in the keys with work waiting. Memory is bounded: a key is
 * forgotten as soon as it has nothing waiting and nothing running, so there are never more keys
 * than waiting plus running jobs.
 */

/** What `push` did: queued, or refused because the key's or the whole queue's bound was reached. */
export type EnqueueResult = 'queued' | 'key-full' | 'full';

interface KeyState<T> {
  readonly key: string;
  readonly items: T[];
  /** Jobs of this key started and not yet settled. */
  running: number;
  /** Virtual time at which this key's next job starts. */
  nextStart: number;
  /** Arrival order, the tie-break: the key that has had work longest goes first. */
  readonly seq: number;
  /** Position in the heap of keys with work waiting, or -1. */
  heapIndex: number;
}

/** A started job: which key it belongs to, and what it is. */
export interface Started<T> {
  readonly key: string;
  readonly item: T;
}

export class FairQueue<T> {
  readonly #keys = new Map<string, KeyState<T>>();
  /** Keys with work waiting, as a binary min-heap by (nextStart, seq): O(log n) per job. */
  readonly #heap: KeyState<T>[] = [];
  #seq = 0;
  #waiting = 0;
  /** The start tag of the latest started job: where a key that was idle comes in. */
  #virtualTime = 0;

  /**
   * @param maxWaiting jobs that may wait in all, over every key.
   * @param maxWaitingPerKey jobs that may wait for one key.
   */
  constructor(
    readonly maxWaiting: number,
    readonly maxWaitingPerKey: number,
  ) {}

  /** Jobs waiting, over every key. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Keys with a job waiting or running; idle keys are dropped at once. */
  get keys(): number {
    return this.#keys.size;
  }

  /** Keys with at least one job waiting. */
  get backloggedKeys(): number {
    return this.#heap.length;
  }

  /** Jobs of `key` waiting and running. */
  load(key: string): { readonly waiting: number; readonly running: number } {
    const state = this.#keys.get(key);
    return { waiting: state?.items.length ?? 0, running: state?.running ?? 0 };
  }

  /** Jobs of `key` waiting plus running: `load` without its object, for the refusal path. */
  backlog(key: string): number {
    const state = this.#keys.get(key);
    return state === undefined ? 0 : state.items.length + state.running;
  }

  /**
   * What `push(key, ...)` would answer now if it refused, or null when it would queue: the total
   * bound first ('full': then no one gets in), then the key's own ('key-full': the others still
   * do). One map lookup and no allocation, so a flood of refusals stays cheap.
   */
  refusal(key: string): Exclude<EnqueueResult, 'queued'> | null {
    if (this.#waiting >= this.maxWaiting) return 'full';
    if ((this.#keys.get(key)?.items.length ?? 0) >= this.maxWaitingPerKey) return 'key-full';
    return null;
  }

  /** Queues `item` for `key`, unless `refusal(key)` says why not. */
  push(key: string, item: T): EnqueueResult {
    const refused = this.refusal(key);
    if (refused !== null) return refused;
    const state = this.#stateOf(key);
    state.items.push(item);
    if (state.items.length === 1) this.#heapPush(state);
    this.#waiting += 1;
    return 'queued';
  }

  /**
   * Starts the waiting job that is next by fairness, charging `estimate` to its key; undefined
   * when nothing waits. Ties go to the key that has had work longest (the map keeps that order).
   */
  shift(estimate: number): Started<T> | undefined {
    const state = this.#heap[0];
    if (state === undefined) return undefined;
    const item = state.items.shift() as T;
    this.#waiting -= 1;
    this.#begin(state, estimate);
    if (state.items.length === 0) this.#heapRemove(state);
    else this.#heapFix(state);
    return { key: state.key, item };
  }

  /** Records a job of `key` that started at once, without waiting (a worker was free). */
  startNow(key: string, estimate: number): void {
    this.#begin(this.#stateOf(key), estimate);
  }

  /**
   * A started job of `key` ended: `correction` (real cost minus the estimate charged at its
   * start) is added to the key's clock, and the key is dropped when it has nothing else.
   */
  settle(key: string, correction: number): void {
    const state = this.#keys.get(key);
    if (state === undefined) return;
    state.running -= 1;
    state.nextStart += correction;
    if (state.heapIndex >= 0) this.#heapFix(state);
    if (state.running <= 0 && state.items.length === 0) this.#keys.delete(key);
    // Nothing left anywhere: restart the virtual clock, so it never grows without bound.
    if (this.#keys.size === 0) this.#virtualTime = 0;
  }

  /** Removes and returns every waiting job (for close); running jobs are the caller's. */
  drain(): T[] {
    const items: T[] = [];
    for (const [key, state] of this.#keys) {
      items.push(...state.items.splice(0));
      state.heapIndex = -1;
      if (state.running <= 0) this.#keys.delete(key);
    }
    this.#heap.length = 0;
    this.#waiting = 0;
    return items;
  }

  #stateOf(key: string): KeyState<T> {
    let state = this.#keys.get(key);
    if (state === undefined) {
      state = { key, items: [], running: 0, nextStart: this.#virtualTime, seq: this.#seq++, heapIndex: -1 };
      this.#keys.set(key, state);
    } else if (state.items.length === 0) {
      // Back from a pause with jobs still running: not before now, never sooner than it is owed.
      state.nextStart = Math.max(state.nextStart, this.#virtualTime);
    }
    return state;
  }

  #begin(state: KeyState<T>, estimate: number): void {
    state.running += 1;
    this.#virtualTime = Math.max(this.#virtualTime, state.nextStart);
    state.nextStart += estimate;
  }

  #before(a: KeyState<T>, b: KeyState<T>): boolean {
    return a.nextStart < b.nextStart || (a.nextStart === b.nextStart && a.seq < b.seq);
  }

  #heapPush(state: KeyState<T>): void {
    state.heapIndex = this.#heap.length;
    this.#heap.push(state);
    this.#siftUp(state.heapIndex);
  }

  #heapRemove(state: KeyState<T>): void {
    const index = state.heapIndex;
    const last = this.#heap.pop() as KeyState<T>;
    state.heapIndex = -1;
    if (last === state) return;
    this.#heap[index] = last;
    last.heapIndex = index;
    this.#heapFix(last);
  }

  /** Restores the heap after `state.nextStart` changed. */
  #heapFix(state: KeyState<T>): void {
    this.#siftUp(state.heapIndex);
    this.#siftDown(state.heapIndex);
  }

  #siftUp(start: number): void {
    const heap = this.#heap;
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#before(heap[index] as KeyState<T>, heap[parent] as KeyState<T>)) break;
      this.#swap(index, parent);
      index = parent;
    }
  }

  #siftDown(start: number): void {
    const heap = this.#heap;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.#before(heap[left] as KeyState<T>, heap[smallest] as KeyState<T>)) smallest = left;
      if (right < heap.length && this.#before(heap[right] as KeyState<T>, heap[smallest] as KeyState<T>)) smallest = right;
      if (smallest === index) return;
      this.#swap(index, smallest);
      index = smallest;
    }
  }

  #swap(i: number, j: number): void {
    const heap = this.#heap;
    const a = heap[i] as KeyState<T>;
    const b = heap[j] as KeyState<T>;
    heap[i] = b;
    heap[j] = a;
    a.heapIndex = j;
    b.heapIndex = i;
  }
}
