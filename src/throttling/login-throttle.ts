import { emailKey } from '../accounts/email.js'
import type { Settings } from '../config/settings.js'
import { nowSeconds, type Clock } from '../core/clock.js'
import { GatehouseError } from '../core/errors.js'
import type { EventSink } from '../core/events.js'
import { sha256Base64Url } from '../core/random.js'
import type { CounterStore } from '../storage/types.js'
import { addressKey } from './address-key.js'
import { AttemptQueue } from './attempt-queue.js'

/** The thresholds, from `GATEHOUSE_LOGIN_*` (see the README, "Abuse resistance"). */
export type LoginThrottleSettings = Settings['loginThrottle']

/**
 * What the throttle needs from storage: counters changed atomically, each in one step, so
 * that several instances share them. The SQL storage implements it; a Redis one can.
 */
export type ThrottleCounters = Pick<
  CounterStore,
  'incrementCounter' | 'readCounter' | 'blockCounter' | 'deleteCounter'
>

/** Who is trying a password: the email as typed, and the client address when known. */
export interface LoginAttempt {
  email: string
  clientIp: string | null
}

type Scope = 'account' | 'address' | 'global'

interface ScopedCounter {
  scope: 'account' | 'address'
  key: string
  threshold: number
}

/** How long a lock is remembered: until then every further failure locks again at once. */
const LOCK_MEMORY_SECONDS = 86400
const GLOBAL_KEY = 'login:global'

/**
 * Counts failed logins per account, per client address and in total, and refuses new
 * password attempts while a lock holds. The account is counted by its folded email whether
 * or not a user has it, so the answers cannot tell which emails exist. Only failures count:
 * a burst of correct logins is never refused, and a correct login clears its account.
 * A lock refuses password attempts only; sessions already open are not touched.
 */
export class LoginThrottle {
  private readonly queue = new AttemptQueue()

  constructor(
    private readonly store: ThrottleCounters,
    private readonly settings: LoginThrottleSettings,
    private readonly clock: Clock,
    private readonly events: EventSink,
  ) {}

  /**
   * Runs one password check under the throttle. Throws `throttled` (with the seconds to
   * wait) while a lock holds, without running the check; otherwise counts its outcome.
   */
  async attempt<T>(
    attempt: LoginAttempt,
    check: () => Promise<T>,
    succeeded: (result: T) => boolean,
  ): Promise<T> {
    const counters = this.countersFor(attempt)

    return this.oneAtATime(counters, async () => {
      await this.refuseWhileLocked(counters, attempt.clientIp)

      const result = await check()
      if (succeeded(result)) await this.clearAccount(counters)
      else await this.countFailure(counters)
      return result
    })
  }

  private countersFor(attempt: LoginAttempt): ScopedCounter[] {
    const account: ScopedCounter = {
      scope: 'account',
      // Hashed: the counters table holds no email, and any length fits the key.
      key: `login:account:${sha256Base64Url(emailKey(attempt.email))}`,
      threshold: this.settings.failuresPerAccount,
    }
    if (attempt.clientIp === null) return [account]

    const address: ScopedCounter = {
      scope: 'address',
      key: `login:address:${addressKey(attempt.clientIp)}`,
      threshold: this.settings.failuresPerAddress,
    }
    return [address, account]
  }

  /**
   * Attempts on one address, and on one account, run one after another, so each sees the
   * failures before it. Always address first, then account: one order, no deadlock.
   */
  private oneAtATime<T>(counters: ScopedCounter[], task: () => Promise<T>): Promise<T> {
    return counters.reduceRight<() => Promise<T>>(
      (inner, counter) => () => this.queue.run(counter.key, inner),
      task,
    )()
  }

  private async refuseWhileLocked(counters: ScopedCounter[], clientIp: string | null) {
    const now = nowSeconds(this.clock)
    const waits = await Promise.all([
      ...counters.map(async (counter) => this.lockedFor(counter, now)),
      this.globalCeilingFor(now),
    ])

    const longest = waits.reduce((a, b) => (b.seconds > a.seconds ? b : a))
    if (longest.seconds <= 0) return

    this.events('login.throttled', { scope: longest.scope, clientIp })
    throw new GatehouseError(
      'throttled',
      'Too many failed login attempts. Try again later.',
      longest.seconds,
    )
  }

  private async lockedFor(counter: ScopedCounter, now: number) {
    const state = await this.store.readCounter(counter.key)
    const blockedUntil = state?.blockedUntil ?? 0
    return { scope: counter.scope as Scope, seconds: blockedUntil - now }
  }

  /** The global ceiling holds until the window in which it was reached is over. */
  private async globalCeilingFor(now: number) {
    const state = await this.store.readCounter(GLOBAL_KEY)
    const windowEndsAt = (state?.windowStartedAt ?? 0) + this.settings.windowSeconds
    const reached = state !== null && state.count >= this.settings.failuresGlobal
    return { scope: 'global' as Scope, seconds: reached ? windowEndsAt - now : 0 }
  }

  private async countFailure(counters: ScopedCounter[]): Promise<void> {
    const now = nowSeconds(this.clock)
    for (const counter of counters) await this.countScopedFailure(counter, now)
    await this.store.incrementCounter(GLOBAL_KEY, now, this.settings.windowSeconds)
  }

  /**
   * Past the threshold the counter locks, for twice as long as the lock before, up to the
   * maximum. Once locked, each further failure locks again at once (no fresh allowance
   * when the window restarts) until a correct login or a day without a lock.
   */
  private async countScopedFailure(counter: ScopedCounter, now: number): Promise<void> {
    const state = await this.store.incrementCounter(counter.key, now, this.settings.windowSeconds)
    const locksKey = `${counter.key}:locks`
    const earlierLocks = await this.store.readCounter(locksKey)
    const remembered =
      earlierLocks !== null && earlierLocks.windowStartedAt + LOCK_MEMORY_SECONDS > now
    if (state.count < counter.threshold && !remembered) return

    const locks = await this.store.incrementCounter(locksKey, now, LOCK_MEMORY_SECONDS)
    const { lockBaseSeconds, lockMaxSeconds } = this.settings
    const lockSeconds = Math.min(lockMaxSeconds, lockBaseSeconds * 2 ** (locks.count - 1))
    await this.store.blockCounter(counter.key, now + lockSeconds)
    this.events('login.locked', { scope: counter.scope, lockSeconds })
  }

  private async clearAccount(counters: ScopedCounter[]): Promise<void> {
    const account = counters.find((counter) => counter.scope === 'account')
    if (!account) return

    await this.store.deleteCounter(account.key)
    await this.store.deleteCounter(`${account.key}:locks`)
  }
}
