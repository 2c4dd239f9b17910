/**
 * Fault injection for the store and authorizer contracts: wrappers that record every call and,
 * when armed, make the n-th call of one member throw synchronously, reject, or hang forever.
 * A fault fires before the wrapped member runs, so the real store is never touched by that call.
 */

/** How an armed call fails. */
export type FaultMode = 'throw' | 'reject' | 'hang';

export const FAULT_MODES: readonly FaultMode[] = ['throw', 'reject', 'hang'];

/** One failure point: the `call`-th call (1-based) of `member` (e.g. `userStore.setPassword`). */
export interface Fault {
  readonly member: string;
  readonly call: number;
  readonly mode: FaultMode;
}

/** Shared by all wrappers of one app: the trace of calls and the armed fault. */
export class FaultPlan {
  /** Every call made through the wrappers, in order, as `store.member`. */
  readonly trace: string[] = [];
  #counts = new Map<string, number>();
  #fault: Fault | undefined;
  /** Set when the armed fault fired. */
  fired = false;

  /** Arms a fault and restarts the counting and the trace. */
  arm(fault: Fault | undefined): void {
    this.#fault = fault;
    this.fired = false;
    this.#counts = new Map();
    this.trace.length = 0;
  }

  /** Disarms: every call goes straight to the store again (recovery). */
  disarm(): void {
    this.arm(undefined);
  }

  /** Called by the wrappers; returns the failure to produce, if this call is the armed one. */
  hit(member: string): FaultMode | undefined {
    this.trace.push(member);
    const n = (this.#counts.get(member) ?? 0) + 1;
    this.#counts.set(member, n);
    const fault = this.#fault;
    if (fault === undefined || this.fired || fault.member !== member || fault.call !== n) return undefined;
    this.fired = true;
    return fault.mode;
  }
}

/** An error message that carries a "secret", to prove it never reaches the client or the logs. */
export const FAULT_MESSAGE = 'injected fault: connection to db-secret-host-0123456789 lost';

/**
 * Wraps every method of `target` (own or inherited; private fields keep working because calls run
 * on the real object). Non-function properties pass through unchanged.
 */
export function faulty<T extends object>(name: string, target: T, plan: FaultPlan): T {
  return new Proxy(target, {
    get(object, property, _receiver) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
      const member = `${name}.${property}`;
      return function faultyMember(...args: unknown[]): unknown {
        const mode = plan.hit(member);
        if (mode === 'throw') throw new Error(`${FAULT_MESSAGE} (${member})`);
        if (mode === 'reject') return Promise.reject(new Error(`${FAULT_MESSAGE} (${member})`));
        if (mode === 'hang') return new Promise(() => {});
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}
