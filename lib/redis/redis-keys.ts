/** Where the stores keep things in Redis, all under one prefix so several apps (or test runs) can share a server. */
export class RedisKeys {
  constructor(readonly prefix: string) {}
  user(id: string): string {
    return `${this.prefix}user:${id}`;
  }
  history(id: string): string {
    return `${this.prefix}user:${id}:history`;
  }
  /** The ids of every user, for the inactivity sweep. */
  get users(): string {
    return `${this.prefix}users`;
  }
  login(login: string): string {
    return `${this.prefix}login:${login}`;
  }
  /** The token key is this plus the token id (scripts build keys of other tokens from it). */
  get tokenPrefix(): string {
    return `${this.prefix}token:`;
  }
  token(id: string): string {
    return `${this.tokenPrefix}${id}`;
  }
  /** The user's tokens that are outstanding or being redeemed. */
  get userTokensPrefix(): string {
    return `${this.prefix}user-tokens:`;
  }
  userTokens(userId: string): string {
    return `${this.userTokensPrefix}${userId}`;
  }
  /** Every token id scored by its expiresAt (ms), for purging. */
  get expiry(): string {
    return `${this.prefix}token-expiry`;
  }
  /** The user's self-service reset link slot (the shared cooldown). */
  resetLink(userId: string): string {
    return `${this.prefix}reset-link:${userId}`;
  }
  /** Used and revoked token ids, for purging. */
  get dead(): string {
    return `${this.prefix}token-dead`;
  }
}
