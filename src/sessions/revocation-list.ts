import { monotonicMilliseconds, nowSeconds, type Clock } from '../core/clock.js'
import { errorName, type EventSink } from '../core/events.js'
import type { SessionStore } from '../storage/types.js'
import type { FanOutReceiver } from './session-fan-out.js'

/** How far back each sync reads again, to catch ends committed out of time order. */
const SYNC_OVERLAP_SECONDS = 5

/**
 * The sessions that ended recently, kept in memory so that an access token can be checked
 * for revocation on every request without reading storage. An entry only needs to live as
 * long as an access token of its session can; after that the token's own expiry refuses it.
 *
 * Ends made by this process are added at once. Ends made elsewhere (the CLI, another
 * instance) arrive through `sync`, which the server runs on an interval, and through a
 * fan-out channel (Redis) where one is configured.
 *
 * Once a server calls `requireCurrentWithin`, the list also knows when it can no longer
 * vouch for itself: when storage has not answered a sync for longer than the bound and no
 * fan-out channel has been live all that time, a session may have ended unseen, so
 * `isCurrent` turns false and access tokens are refused (503) rather than trusted.
 */
export class RevocationList implements FanOutReceiver {
  private readonly ended = new Map<string, number>()
  private syncedFrom: number | undefined
  private lastSyncStartedAtMilliseconds: number | undefined
  private channelLiveSinceMilliseconds: number | null = null
  private syncFailing = false
  private maxAgeMilliseconds: number | undefined

  constructor(
    private readonly store: Pick<SessionStore, 'listSessionsEndedSince'>,
    private readonly clock: Clock,
    private readonly retentionSeconds: number,
    private readonly events: EventSink,
  ) {}

  has(sessionId: string): boolean {
    return this.ended.has(sessionId)
  }

  add(sessionId: string, endedAt: number): void {
    this.ended.set(sessionId, endedAt + this.retentionSeconds)
  }

  get size(): number {
    return this.ended.size
  }

  /** Makes `isCurrent` false once nothing has confirmed the list for `milliseconds`. */
  requireCurrentWithin(milliseconds: number): void {
    this.maxAgeMilliseconds = milliseconds
  }

  /**
   * True when every session ended more than the bound ago is known here: a sync started
   * within the bound, or the fan-out channel has been live since the last sync started.
   */
  isCurrent(): boolean {
    if (this.maxAgeMilliseconds === undefined) return true

    const syncedAt = this.lastSyncStartedAtMilliseconds
    if (syncedAt === undefined) return false
    if (monotonicMilliseconds() - syncedAt <= this.maxAgeMilliseconds) return true

    const liveSince = this.channelLiveSinceMilliseconds
    return liveSince !== null && liveSince <= syncedAt
  }

  /** Reads the sessions ended since the last sync; true when storage answered. */
  async sync(): Promise<boolean> {
    const startedAtMilliseconds = monotonicMilliseconds()
    const startedAt = nowSeconds(this.clock)
    const since = (this.syncedFrom ?? startedAt - this.retentionSeconds) - SYNC_OVERLAP_SECONDS

    try {
      const rows = await this.store.listSessionsEndedSince(since)
      for (const row of rows) this.add(row.id, row.endedAt)
    } catch (error) {
      // Once per outage, not on every interval.
      if (!this.syncFailing) this.events('revocation.sync_failed', { error: errorName(error) })
      this.syncFailing = true
      return false
    }

    if (this.syncFailing) this.events('revocation.sync_recovered', {})
    this.syncFailing = false
    this.syncedFrom = startedAt
    this.lastSyncStartedAtMilliseconds = startedAtMilliseconds
    this.forgetExpired(startedAt)
    return true
  }

  sessionsEnded(sessionIds: string[], endedAt: number): void {
    for (const sessionId of sessionIds) this.add(sessionId, endedAt)
  }

  channelLive(): void {
    this.channelLiveSinceMilliseconds = monotonicMilliseconds()
    this.events('revocation.fanout_live', {})
  }

  channelLost(): void {
    if (this.channelLiveSinceMilliseconds === null) return
    this.channelLiveSinceMilliseconds = null
    this.events('revocation.fanout_lost', {})
  }

  private forgetExpired(now: number): void {
    for (const [sessionId, forgetAt] of this.ended) {
      if (forgetAt < now) this.ended.delete(sessionId)
    }
  }
}
