import { AccountService } from './accounts/account-service.js'
import { RecentUsers } from './accounts/recent-users.js'
import type { Settings } from './config/settings.js'
import { nowSeconds, systemClock, type Clock } from './core/clock.js'
import { GatehouseError } from './core/errors.js'
import { silentEvents, type EventSink } from './core/events.js'
import { cryptoRandom, type Random } from './core/random.js'
import { PasswordHasher } from './passwords/hasher.js'
import { RevocationList } from './sessions/revocation-list.js'
import type { SessionFanOut } from './sessions/session-fan-out.js'
import {
  SessionService,
  type ClientInfo,
  type TokenPair,
  type WebSessionStart,
} from './sessions/session-service.js'
import type { Storage, UserRecord } from './storage/types.js'
import { LoginThrottle } from './throttling/login-throttle.js'
import { RateLimiter } from './throttling/rate-limit.js'
import { KeyRing } from './tokens/keys.js'
import { TokenService, type AccessClaimsHook } from './tokens/token-service.js'

export interface GatehouseOptions {
  settings: Settings
  storage: Storage
  clock?: Clock
  random?: Random
  /** Receives structured events; the library itself logs nothing. */
  events?: EventSink
  /** Adds an application's claims to every access token. */
  accessTokenClaims?: AccessClaimsHook
  /** Tells every instance at once about ended sessions (Redis pub/sub); optional. */
  fanOut?: SessionFanOut | undefined
}

/**
 * Gatehouse's services wired together over one storage. The HTTP server, the CLI and the
 * framework adapters are thin edges over this object.
 */
export class Gatehouse {
  readonly settings: Settings
  readonly storage: Storage
  readonly keys: KeyRing
  readonly tokens: TokenService
  readonly revocations: RevocationList
  readonly sessions: SessionService
  readonly accounts: AccountService
  readonly loginThrottle: LoginThrottle
  /** Per-address limit on the refresh, verify and blacklist endpoints. */
  readonly tokenRequests: RateLimiter
  readonly clock: Clock
  private readonly events: EventSink
  private readonly fanOut: SessionFanOut | undefined
  private readonly timers: NodeJS.Timeout[] = []

  constructor(options: GatehouseOptions) {
    const { settings, storage } = options
    const clock = options.clock ?? systemClock
    const random = options.random ?? cryptoRandom
    const events = options.events ?? silentEvents

    this.settings = settings
    this.storage = storage
    this.clock = clock
    this.events = events
    this.fanOut = options.fanOut
    const activationDelay = signingKeyActivationDelayMilliseconds(settings)
    this.keys = new KeyRing(
      storage,
      {
        algorithm: settings.jwtAlgorithm,
        environmentSecret: settings.signingKey,
        verificationGraceSeconds:
          longestTokenLifetime(settings) +
          settings.clockToleranceSeconds +
          Math.ceil(activationDelay / 1000),
        activationDelayMilliseconds: activationDelay,
      },
      clock,
      random,
    )
    this.tokens = new TokenService(this.keys, settings, clock, random, options.accessTokenClaims)
    this.revocations = new RevocationList(
      storage,
      clock,
      settings.accessTokenLifetimeSeconds + settings.clockToleranceSeconds + 1,
      events,
    )
    this.sessions = new SessionService(
      storage,
      this.tokens,
      this.revocations,
      settings,
      clock,
      random,
      events,
    )
    const fanOut = this.fanOut
    if (fanOut) this.sessions.onSessionsEnded((ids, endedAt) => fanOut.publish(ids, endedAt))
    const hasher = new PasswordHasher(settings.passwordHash)
    this.accounts = new AccountService(
      storage,
      hasher,
      { minLength: settings.passwordMinLength, maxLength: settings.passwordMaxLength },
      clock,
      events,
      // No older than a revocation made elsewhere may be: see RecentUsers.
      new RecentUsers(clock, settings.revocationSyncIntervalMilliseconds),
    )
    this.loginThrottle = new LoginThrottle(storage, settings.loginThrottle, clock, events)
    this.tokenRequests = new RateLimiter(
      storage,
      {
        name: 'token',
        requestsPerWindow: settings.tokenRequestsPerAddress,
        windowSeconds: settings.tokenRequestWindowSeconds,
      },
      clock,
      events,
    )
  }

  /** Loads keys and the recently ended sessions. Run once before serving. */
  async load(): Promise<void> {
    await this.keys.load()
    await this.revocations.sync()
  }

  /**
   * Starts the background work of a long-running server: syncing revocations and keys
   * made elsewhere, and deleting what has expired.
   */
  startBackgroundWork(): void {
    this.revocations.requireCurrentWithin(revocationBoundMilliseconds(this.settings))
    this.fanOut?.listen(this.revocations)
    this.every(this.settings.revocationSyncIntervalMilliseconds, async () => {
      await this.revocations.sync()
      if (await this.keys.reload().catch(() => false)) this.tokens.forgetVerified()
    })
    this.every(this.settings.housekeepingIntervalMilliseconds, async () => {
      await this.flushExpired().catch(() => 0)
    })
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer)
    await this.fanOut?.close()
    await this.storage.close()
  }

  /** Email and password to a new API session; `invalid_credentials` otherwise. */
  async login(email: string, password: string, client: ClientInfo): Promise<TokenPair> {
    const user = await this.checkCredentials(email, password, client)
    return this.sessions.startApiSession(user, client)
  }

  /** Email and password to a new web session, whose cookie the caller sets. */
  async loginWeb(email: string, password: string, client: ClientInfo) {
    const user = await this.checkCredentials(email, password, client)
    return this.sessions.startWebSession(user, client)
  }

  /**
   * Changes the caller's password. Every session of the user ends, the caller's too, and
   * the caller gets a fresh pair for a new session: whoever held the old tokens is out.
   */
  async changePassword(
    user: UserRecord,
    oldPassword: string,
    newPassword: string,
    client: ClientInfo,
  ): Promise<TokenPair> {
    await this.changeOwnPassword(user, oldPassword, newPassword)
    return this.sessions.startApiSession(user, client)
  }

  /**
   * The web form's password change: as `changePassword`, every session of the user ends,
   * and the caller continues in a new web session, whose cookie the caller sets.
   */
  async changePasswordWeb(
    user: UserRecord,
    oldPassword: string,
    newPassword: string,
    client: ClientInfo,
  ): Promise<WebSessionStart> {
    await this.changeOwnPassword(user, oldPassword, newPassword)
    return this.sessions.startWebSession(user, client)
  }

  /** Sets a password administratively (CLI); ends all of the user's sessions. */
  async resetPassword(email: string, newPassword: string): Promise<void> {
    const user = await this.requireUser(email)
    await this.replacePassword(user, newPassword)
  }

  /** Switches a user off or on; off ends every session they have. */
  async setActive(email: string, isActive: boolean): Promise<UserRecord> {
    const user = await this.requireUser(email)
    await this.accounts.setActive(user, isActive)
    if (!isActive) await this.sessions.endUserSessions(user.id, 'user_deactivated')
    return user
  }

  /** Deletes a user after ending their sessions, so their tokens die everywhere. */
  async deleteUser(email: string): Promise<void> {
    const user = await this.requireUser(email)
    await this.sessions.endUserSessions(user.id, 'user_deleted')
    await this.accounts.deleteUser(user)
  }

  /**
   * Deletes sessions, counters and keys nobody can use any more. An ended session is kept
   * until its last access token has expired, so every instance learns of its end first.
   */
  async flushExpired(): Promise<number> {
    const now = nowSeconds(this.clock)
    const keep = this.settings.accessTokenLifetimeSeconds + this.settings.clockToleranceSeconds
    const sessions = await this.storage.deleteSessionsFinishedBefore(now - keep - 60)
    await this.storage.deleteCountersIdleSince(now - 86400)
    await this.storage.deleteSigningKeysRetiredBefore(
      now - longestTokenLifetime(this.settings) - keep,
    )

    this.events('sessions.flushed', { count: sessions })
    return sessions
  }

  /** A password change by its owner: the old password first, then as `replacePassword`. */
  private async changeOwnPassword(user: UserRecord, oldPassword: string, newPassword: string) {
    if (!(await this.accounts.checkPassword(user, oldPassword))) {
      throw new GatehouseError('invalid_old_password', 'The current password is not correct.')
    }
    await this.replacePassword(user, newPassword)
  }

  /** Sets the password and ends every session of the user: whoever held one is out. */
  private async replacePassword(user: UserRecord, newPassword: string) {
    await this.accounts.setPassword(user, newPassword)
    await this.sessions.endUserSessions(user.id, 'password_changed')
  }

  private async checkCredentials(email: string, password: string, client: ClientInfo) {
    const { user, failure } = await this.loginThrottle.attempt(
      { email, clientIp: client.clientIp },
      () => this.accounts.verifyCredentials(email, password),
      (check) => check.user !== null,
    )
    if (!user) {
      this.events('login.failed', { reason: failure, clientIp: client.clientIp })
      throw new GatehouseError('invalid_credentials', 'Invalid credentials')
    }

    this.events('login.succeeded', { userId: user.id, clientIp: client.clientIp })
    return user
  }

  private async requireUser(email: string): Promise<UserRecord> {
    const user = await this.accounts.findByEmail(email)
    if (!user) throw new GatehouseError('user_not_found', 'No user has this email.')
    return user
  }

  private every(milliseconds: number, task: () => Promise<void>): void {
    let running = false
    const timer = setInterval(() => {
      if (running) return
      running = true
      // Each task reports its own failures; this only keeps a rejection from going unhandled.
      void task()
        .catch(() => undefined)
        .finally(() => {
          running = false
        })
    }, milliseconds)
    timer.unref()
    this.timers.push(timer)
  }
}

/**
 * How long after a session ends every instance refuses its tokens: 1 s with the default
 * sync interval of 250 ms. An instance that cannot confirm its revocation list for this
 * long refuses access tokens (503) instead of trusting them.
 */
export function revocationBoundMilliseconds(settings: Settings): number {
  return Math.max(1000, 4 * settings.revocationSyncIntervalMilliseconds)
}

/**
 * How long a new signing key only verifies before it signs. Every instance reloads keys on
 * the sync interval, so by then each one knows the new key and accepts its tokens.
 */
function signingKeyActivationDelayMilliseconds(settings: Settings): number {
  return 2 * settings.revocationSyncIntervalMilliseconds
}

function longestTokenLifetime(settings: Settings): number {
  return Math.max(settings.accessTokenLifetimeSeconds, settings.refreshTokenLifetimeSeconds)
}
