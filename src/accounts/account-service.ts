import { nowSeconds, type Clock } from '../core/clock.js'
import { GatehouseError } from '../core/errors.js'
import type { EventSink } from '../core/events.js'
import { requireUnicodeText, type PasswordHasher } from '../passwords/hasher.js'
import { checkNewPassword, type PasswordPolicySettings } from '../passwords/policy.js'
import type { UserRecord, UserStore } from '../storage/types.js'
import { emailKey, hasControlCharacters, validateNewEmail } from './email.js'
import type { RecentUsers } from './recent-users.js'

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
    private readonly recentUsers: RecentUsers,
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
    requireUnicodeText(password)
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
    this.recentUsers.forget(user.id)
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
    this.recentUsers.forget(user.id)
    this.events('password.changed', { userId: user.id })
  }

  async setActive(user: UserRecord, isActive: boolean): Promise<void> {
    await this.store.updateUserActive(user.id, isActive)
    this.recentUsers.forget(user.id)
    this.events(isActive ? 'user.activated' : 'user.deactivated', { userId: user.id })
  }

  async deleteUser(user: UserRecord): Promise<void> {
    await this.store.deleteUser(user.id)
    this.recentUsers.forget(user.id)
    this.events('user.deleted', { userId: user.id })
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    return this.store.findUserByEmailKey(emailKey(email))
  }

  async findById(id: number): Promise<UserRecord | null> {
    return this.store.findUserById(id)
  }

  /**
   * The user as storage held them at most a moment ago (see RecentUsers), for views that
   * only show who is signed in. Never for checking a password or a permission.
   */
  async findRecentById(id: number): Promise<UserRecord | null> {
    const recent = this.peekRecentById(id)
    if (recent) return recent

    const ticket = this.recentUsers.beginRead()
    const user = await this.store.findUserById(id)
    if (user) this.recentUsers.remember(user, ticket)
    return user
  }

  /** The user as read a moment ago, if they were; never waits. See findRecentById. */
  peekRecentById(id: number): UserRecord | undefined {
    return this.recentUsers.get(id)
  }

  private async rehash(user: UserRecord, password: string): Promise<void> {
    const hash = await this.hasher.hash(password)
    await this.store.updateUserPassword(user.id, hash, user.passwordChangedAt)
    this.recentUsers.forget(user.id)
    this.events('password.rehashed', { userId: user.id })
  }
}
