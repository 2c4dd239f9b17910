/**
 * The server's users in memory (`RBAC_STORE=memory`): the library's `MemoryUserStore` keeps what
 * the password endpoints need, and this subclass keeps the server's own profile fields beside it
 * (display name, superuser), as the PostgreSQL store keeps them in columns of the users table.
 */
import { MemoryUserStore, type MemoryUser, type NewMemoryUser } from 'express-rbac-password';

/** The server's profile fields of a user. */
export interface AccountProfile {
  readonly displayName: string | null;
  readonly isSuperuser: boolean;
}

/** A user with the profile fields of the product's user object. */
export type MemoryAccount = MemoryUser & AccountProfile;

export class MemoryAccountStore extends MemoryUserStore {
  readonly #profiles = new Map<string, AccountProfile>();

  // biome-ignore lint/complexity/noUselessConstructor: it takes no users, as the base constructor would call createUser before #profiles exists.
  constructor() {
    super();
  }

  override createUser(input: NewMemoryUser & Partial<AccountProfile>): MemoryAccount {
    const user = super.createUser(input);
    this.#profiles.set(user.id, { displayName: input.displayName ?? null, isSuperuser: input.isSuperuser ?? false });
    return this.#withProfile(user);
  }

  override listUsers(): MemoryAccount[] {
    return super.listUsers().map((user) => this.#withProfile(user));
  }

  override findById(id: string): MemoryAccount | null {
    const user = super.findById(id);
    return user === null ? null : this.#withProfile(user);
  }

  override findByLogin(login: string): MemoryAccount | null {
    const user = super.findByLogin(login);
    return user === null ? null : this.#withProfile(user);
  }

  #withProfile(user: MemoryUser): MemoryAccount {
    return { ...user, ...(this.#profiles.get(user.id) ?? { displayName: null, isSuperuser: false }) };
  }
}
