/**
 * What the service's parts share: the stores, the clock, store calls under the timeout, the user
 * lookup and the audit events. Made once by `PasswordService` and handed to each part.
 */
import type { PasswordConfig } from '../config/password-config.ts';
import type { CallContext, PasswordEvent, PasswordEventType } from '../events.ts';
import { createLogger } from '../log.ts';
import type { PasswordUser, Principal, StoreCallOptions, TokenStore, UserStore } from '../types.ts';
import { storeCall } from './store-call.ts';
import type { Telemetry } from '../telemetry/telemetry.ts';

const log = createLogger('service');

export interface ServiceParts {
  readonly users: UserStore;
  readonly tokens: TokenStore;
  readonly now: () => Date;
  /** Milliseconds a store call may take (a redemption gets twice this). */
  readonly timeoutMs: number;
  /** Metrics and traces (a no-op when off). */
  readonly telemetry: Telemetry;
  /** One store (or authorizer) call under the store timeout; see `storeCall`. */
  call<T>(operation: string, call: (options: StoreCallOptions) => T | Promise<T>, onLate?: (pending: Promise<T>) => void): Promise<T>;
  findUser(id: string): Promise<PasswordUser | null>;
  /** Hands an audit event to `onEvent`; its errors are logged and ignored. */
  emit(type: PasswordEventType, userId: string, actorId: string | null, context: CallContext, details?: Record<string, unknown>): void;
}

export function createServiceParts<P extends Principal>(config: PasswordConfig<P>, telemetry: Telemetry): ServiceParts {
  const { userStore: users, tokenStore: tokens, now, storeTimeoutMs: timeoutMs, onEvent } = config;
  const call: ServiceParts['call'] = (operation, fn, onLate) => storeCall(operation, timeoutMs, fn, onLate);
  return {
    users,
    tokens,
    now,
    timeoutMs,
    telemetry,
    call,
    findUser: (id) => call('userStore.findById', (o) => users.findById(id, o)).then((user) => user ?? null),
    emit(type, userId, actorId, context, details) {
      if (onEvent === undefined) return;
      const event: PasswordEvent = { type, userId, actorId, at: now(), requestId: context.requestId ?? null, ...(details === undefined ? {} : { details }) };
      try {
        Promise.resolve(onEvent(event)).catch((error: unknown) => log('onEvent rejected for %s: %s', type, (error as Error)?.name ?? 'error'));
      } catch (error) {
        log('onEvent threw for %s: %s', type, (error as Error)?.name ?? 'error');
      }
    },
  };
}
