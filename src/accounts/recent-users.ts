import type { Clock } from '../core/clock.js'
import type { UserRecord } from '../storage/types.js'

const RECENT_USERS_LIMIT = 10_000

interface Entry {
  user: UserRecord
  readAtMilliseconds: number
}

/** Marks when a read began, so a write made meanwhile can keep its result out. */
export interface ReadTicket {
  startedAtMilliseconds: number
  generation: number
}

/**
 * Users as storage held them a moment ago, so a view that only shows who is signed in
 * need not read storage on every request (it was most of the protected route's time).
 *
 * Why this cannot outlive a revocation or a deactivation: it is only read after the Bearer
 * guard, which refuses an ended session from the in-memory revocation list; switching a
 * user off, deleting them or changing their password ends all their sessions. An entry
 * lives no longer than the revocation sync interval, so a change made by another process
 * shows here no later than that process's revocations do; a change made through this
 * process drops the entry at once, and a read that was under way then is not kept.
 */
export class RecentUsers {
  private readonly entries = new Map<number, Entry>()
  private generation = 0

  constructor(
    private readonly clock: Clock,
    private readonly maxAgeMilliseconds: number,
  ) {}

  get(id: number): UserRecord | undefined {
    const entry = this.entries.get(id)
    if (!entry) return undefined
    if (this.clock.nowMilliseconds() - entry.readAtMilliseconds < this.maxAgeMilliseconds) {
      return entry.user
    }

    this.entries.delete(id)
    return undefined
  }

  beginRead(): ReadTicket {
    return { startedAtMilliseconds: this.clock.nowMilliseconds(), generation: this.generation }
  }

  /** Keeps what a read returned, unless a user changed since it began. */
  remember(user: UserRecord, ticket: ReadTicket): void {
    if (ticket.generation !== this.generation) return
    if (this.entries.size >= RECENT_USERS_LIMIT) this.entries.clear()
    this.entries.set(user.id, { user, readAtMilliseconds: ticket.startedAtMilliseconds })
  }

  /** Drops a user after this process wrote to them; reads under way are not kept. */
  forget(id: number): void {
    this.generation += 1
    this.entries.delete(id)
  }
}
