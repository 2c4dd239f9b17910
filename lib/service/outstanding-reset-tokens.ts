/**
 * Outstanding reset links, for administrators: the metadata of a user's live tokens (never the
 * token, nor its id), and revoking one or all of them. Backed by the optional
 * `TokenStore.listOutstanding` and `revokeOutstanding`; without both, every call answers 501.
 */
import { createHash } from 'node:crypto';
import { PasswordApiError } from '../errors.ts';
import type { CallContext } from '../events.ts';
import { createLogger } from '../log.ts';
import type { ResetTokenRecord, TokenStore } from '../types.ts';
import type { ServiceParts } from './service-parts.ts';

const log = createLogger('service');

/** Who asked for a token: an administrator (`POST /users/:sid/password/reset`, the CLI) or the user (`POST /auth/forgot`). */
export type ResetTokenKind = 'admin' | 'self-service';

/** What an administrator sees of one outstanding reset token. Nothing in it can redeem the token. */
export interface OutstandingResetToken {
  /** Names the token for `revokeResetTokens`: a one-way digest of its id, not the id (`jti`) itself. */
  readonly handle: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** The user id of the principal who issued it; null for a self-service link. */
  readonly issuedBy: string | null;
  readonly kind: ResetTokenKind;
}

/** 22 base64url characters: 132 bits of a SHA-256, unique among any user's tokens. */
const HANDLE = /^[A-Za-z0-9_-]{22}$/;
const HANDLE_DOMAIN = 'express-rbac-password reset-token handle\0';

/**
 * The handle of a token id. A digest rather than the `jti`: the `jti` is readable in the token's
 * payload and is the store's key, so a handle shown in admin screens and logs must not be it.
 */
export function resetTokenHandle(tokenId: string): string {
  return createHash('sha256').update(HANDLE_DOMAIN).update(tokenId).digest('base64url').slice(0, 22);
}

/** A handle from a path or a call; `malformed-request` (400) when it cannot be one. */
export function parseHandle(handle: unknown): string {
  if (typeof handle !== 'string' || !HANDLE.test(handle)) {
    throw new PasswordApiError('malformed-request', 'The reset-token handle must be 22 characters of A-Z, a-z, 0-9, "-" and "_"');
  }
  return handle;
}

type OutstandingMembers = Required<Pick<TokenStore, 'listOutstanding' | 'revokeOutstanding'>>;

/** Whether the token store has both members this needs. */
export function listsOutstandingTokens(tokens: TokenStore): tokens is TokenStore & OutstandingMembers {
  return typeof tokens.listOutstanding === 'function' && typeof tokens.revokeOutstanding === 'function';
}

/**
 * The kind is not stored: the library records an issuer for every administrator's token (the
 * principal's id) and none for a self-service link, so `issuedBy` tells them apart.
 */
function metadataOf(record: ResetTokenRecord): OutstandingResetToken {
  return {
    handle: resetTokenHandle(record.id),
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
    issuedBy: record.issuedBy,
    kind: record.issuedBy === null ? 'self-service' : 'admin',
  };
}

export class OutstandingResetTokens {
  readonly #parts: ServiceParts;

  constructor(parts: ServiceParts) {
    this.#parts = parts;
  }

  /** Whether the token store offers the list (else the routes answer 501). */
  get supported(): boolean {
    return listsOutstandingTokens(this.#parts.tokens);
  }

  /** 501 `not-implemented` when the store lacks the members. */
  assertSupported(): void {
    if (!this.supported) {
      throw new PasswordApiError('not-implemented', 'The token store cannot list or revoke outstanding reset tokens (TokenStore.listOutstanding and revokeOutstanding)');
    }
  }

  async list(userId: string): Promise<OutstandingResetToken[]> {
    return (await this.#records(userId)).map(metadataOf);
  }

  /**
   * Revokes the user's outstanding tokens, or only the one named by `handle`, and resolves how many.
   * A handle that names no outstanding token (unknown, or redeemed, expired or revoked before this
   * call's atomic step) answers 404 `not-found`, and nothing changed.
   */
  async revoke(userId: string, handle: string | null, actorId: string | null, context: CallContext): Promise<number> {
    const tokens = this.#tokens();
    let tokenId: string | null = null;
    if (handle !== null) {
      tokenId = (await this.#records(userId)).find((record) => resetTokenHandle(record.id) === handle)?.id ?? null;
      if (tokenId === null) throw noSuchToken();
    }
    const now = this.#parts.now();
    const revoked = await this.#parts.call('tokenStore.revokeOutstanding', (o) => tokens.revokeOutstanding(userId, tokenId, now, o));
    if (handle !== null && revoked === 0) throw noSuchToken();
    if (revoked > 0) {
      log('%d outstanding reset token(s) of user %s revoked by %s', revoked, userId, actorId ?? '-');
      this.#parts.emit('reset-tokens-revoked', userId, actorId, context, { count: revoked, ...(handle === null ? {} : { handle }) });
    }
    return revoked;
  }

  async #records(userId: string): Promise<readonly ResetTokenRecord[]> {
    const tokens = this.#tokens();
    const now = this.#parts.now();
    return this.#parts.call('tokenStore.listOutstanding', (o) => tokens.listOutstanding(userId, now, o));
  }

  #tokens(): OutstandingMembers {
    const tokens = this.#parts.tokens;
    this.assertSupported();
    return tokens as TokenStore & OutstandingMembers;
  }
}

function noSuchToken(): PasswordApiError {
  return new PasswordApiError('not-found', 'The user has no outstanding reset token with this handle');
}
