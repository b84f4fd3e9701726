import { nowSeconds, type Clock } from '../core/clock.js'
import { GatehouseError } from '../core/errors.js'
import type { EventSink } from '../core/events.js'
import type { PasswordHasher } from '../passwords/hasher.js'
import { checkNewPassword, type PasswordPolicySettings } from '../passwords/policy.js'
import type { UserRecord, UserStore } from '../storage/types.js'
import { emailKey, hasControlCharacters, validateNewEmail } from './email.js'

// Half of a UTF-16 pair on its own: not text, and hashed as U+FFFD it would equal others.
const LONE_SURROGATE = /\p{Surrogate}/u

export interface NewAccount {
  email: string
  password: string
  username?: string | undefined
  isActive?: boolean
  isStaff?: boolean
  isSuperuser?: boolean
}

export type CredentialCheck =
  | { user: UserRecord; failure: null }
  | { user: null; failure: 'unknown_email' | 'wrong_password' | 'inactive_user' | 'oversized' }

/** Users and their credentials. Knows nothing of sessions or HTTP. */
export class AccountService {
  constructor(
    private readonly store: UserStore,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicySettings,
    private readonly clock: Clock,
    private readonly events: EventSink,
  ) {}

  /** Creates a user; refuses an email that folds to one already taken. */
  async createUser(account: NewAccount): Promise<UserRecord> {
    const email = validateNewEmail(account.email)
    checkNewPassword(account.password, email, this.policy)

    const now = nowSeconds(this.clock)
    const user = await this.store.insertUser({
      email,
      emailKey: emailKey(email),
      username: account.username?.trim() || null,
      passwordHash: await this.hasher.hash(account.password),
      isActive: account.isActive ?? true,
      isStaff: account.isStaff ?? account.isSuperuser ?? false,
      isSuperuser: account.isSuperuser ?? false,
      createdAt: now,
      passwordChangedAt: now,
    })
    if (!user) throw new GatehouseError('email_taken', 'A user with this email already exists.')

    this.events('user.created', { userId: user.id })
    return user
  }

  /**
   * The active user these credentials belong to, or why not. Unknown email, wrong password
   * and inactive user cost the same hash; the reason is for logs, never for the client.
   */
  async verifyCredentials(email: string, password: string): Promise<CredentialCheck> {
    if (LONE_SURROGATE.test(password)) {
      throw new GatehouseError('invalid_request', 'The password is not valid Unicode text.')
    }
    if (hasControlCharacters(email)) {
      throw new GatehouseError('invalid_request', 'The email holds characters no email can hold.')
    }

    const user = await this.store.findUserByEmailKey(emailKey(email))
    // Far longer than any allowed password: spend the same hash, on a bounded input.
    const oversized = password.length > this.policy.maxLength * 4
    if (!user || oversized) {
      await this.hasher.verifyNothing(password.slice(0, this.policy.maxLength))
      return { user: null, failure: user ? 'oversized' : 'unknown_email' }
    }

    const { matches, needsRehash } = await this.hasher.verify(user.passwordHash, password)
    if (!matches) return { user: null, failure: 'wrong_password' }
    if (!user.isActive) return { user: null, failure: 'inactive_user' }

    if (needsRehash) await this.rehash(user, password)
    await this.store.recordUserLogin(user.id, nowSeconds(this.clock))
    return { user, failure: null }
  }

  /** Checks a user's current password, as a password change needs. */
  async checkPassword(user: UserRecord, password: string): Promise<boolean> {
    const { matches } = await this.hasher.verify(user.passwordHash, password)
    return matches
  }

  async setPassword(user: UserRecord, newPassword: string): Promise<void> {
    checkNewPassword(newPassword, user.email, this.policy)

    const hash = await this.hasher.hash(newPassword)
    await this.store.updateUserPassword(user.id, hash, nowSeconds(this.clock))
    this.events('password.changed', { userId: user.id })
  }

  async setActive(user: UserRecord, isActive: boolean): Promise<void> {
    await this.store.updateUserActive(user.id, isActive)
    this.events(isActive ? 'user.activated' : 'user.deactivated', { userId: user.id })
  }

  async deleteUser(user: UserRecord): Promise<void> {
    await this.store.deleteUser(user.id)
    this.events('user.deleted', { userId: user.id })
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    return this.store.findUserByEmailKey(emailKey(email))
  }

  async findById(id: number): Promise<UserRecord | null> {
    return this.store.findUserById(id)
  }

  private async rehash(user: UserRecord, password: string): Promise<void> {
    const hash = await this.hasher.hash(password)
    await this.store.updateUserPassword(user.id, hash, user.passwordChangedAt)
    this.events('password.rehashed', { userId: user.id })
  }
}
