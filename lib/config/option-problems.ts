/**
 * How option problems are told: `optionError` throws one, `OptionProblems` collects them so the
 * resolver reports every problem at once. A leaf module (it imports only the error classes), so
 * any option reader can use it without an import cycle.
 */
import { PasswordOptionsError, type OptionProblemCode } from '../errors.ts';
import type { OptionRange } from './defaults.ts';

/** Throws a `PasswordOptionsError` with one problem; `message` goes after the option's name. */
export function optionError(option: string, code: OptionProblemCode, message: string): never {
  throw new PasswordOptionsError([{ option, code, message: `${option} ${message}` }]);
}

/** Collects option problems, so a host fixes them all in one go. */
export class OptionProblems {
  readonly #problems: { option: string; code: OptionProblemCode; message: string }[] = [];

  add(option: string, code: OptionProblemCode, message: string): void {
    this.#problems.push({ option, code, message: `${option} ${message}` });
  }

  /** Runs a check that throws `optionError`s: records its problems and returns `fallback` instead. */
  attempt<T>(check: () => T, fallback: T): T {
    try {
      return check();
    } catch (error) {
      if (!(error instanceof PasswordOptionsError)) throw error;
      this.#problems.push(...error.problems);
      return fallback;
    }
  }

  /** Whether a problem was recorded for `option` (or one below it, such as `option.member`). */
  has(option: string): boolean {
    return this.#problems.some((p) => p.option === option || p.option.startsWith(`${option}.`) || p.option.startsWith(`${option}[`));
  }

  /** Throws every recorded problem as one `PasswordOptionsError`. */
  throwIfAny(): void {
    if (this.#problems.length > 0) throw new PasswordOptionsError(this.#problems);
  }
}

/** Checks that a numeric option is a finite number within its range (and an integer when asked). */
export function numberOption(name: string, value: unknown, fallback: number, range: OptionRange): number {
  if (value === undefined) return fallback;
  const { min, max, integer, unit } = range;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const code = typeof value === 'number' && !Number.isNaN(value) ? 'out-of-range' : 'wrong-type';
    optionError(name, code, `must be ${integer ? 'an integer' : 'a number'} from ${readableAmount(min, unit)} to ${readableAmount(max, unit)}; got ${received(value)}.`);
  }
  return value;
}

/** Checks that an option is a function when given. */
export function functionOption<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') optionError(name, 'wrong-type', `must be a function; got ${received(value)}.`);
  return value;
}

/** Checks that an option is true or false when given. */
export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') optionError(name, 'wrong-type', `must be true or false; got ${received(value)}.`);
  return value;
}

/** Checks that a required store/authorizer has the named methods. */
export function requireMethods(name: string, value: unknown, methods: readonly string[]): void {
  if (value === null || typeof value !== 'object') optionError(name, value === undefined ? 'required' : 'not-an-object', `is required: an object with ${methods.join(', ')}.`);
  for (const method of methods) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function')
      optionError(name, 'missing-method', `must implement ${method}() (see the ${name} interface in the README).`);
  }
}

/** Optional members that only work together (e.g. `listOutstanding` and `revokeOutstanding`): all of them, or none, as methods. */
export function requireTogether(name: string, value: object, methods: readonly string[]): void {
  const present = methods.filter((method) => (value as Record<string, unknown>)[method] !== undefined);
  if (present.length === 0) return;
  const missing = methods.find((method) => typeof (value as Record<string, unknown>)[method] !== 'function');
  if (missing !== undefined) {
    optionError(
      name,
      'missing-method',
      `must implement ${missing}() too: ${methods.map((m) => `${m}()`).join(' and ')} go together (implement all of them or none; see the ${name} interface in the README).`,
    );
  }
}

/**
 * A received value as a message shows it: strings quoted (so `"24"` is not read as 24), numbers
 * as written, anything else by its kind. Strings are cut short: they may be long, never secrets
 * (secret-bearing options never reach this).
 */
export function received(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A bound as a person reads it: 8760 h, 1 second (1/3600 h), 600,000 ms. */
export function readableAmount(n: number, unit?: OptionRange['unit']): string {
  if (unit === 'h' && n > 0 && n < 1) {
    const seconds = Math.round(n * 3600 * 1000) / 1000;
    const fraction = Number.isInteger(3600 / seconds) ? `1/${3600 / seconds}` : String(n);
    return `${seconds} second${seconds === 1 ? '' : 's'} (${fraction} h)`;
  }
  const digits = Number.isInteger(n) ? (n >= 10_000 ? n.toLocaleString('en-US') : String(n)) : String(Number(n.toFixed(6)));
  return unit === undefined ? digits : `${digits} ${unit}`;
}
