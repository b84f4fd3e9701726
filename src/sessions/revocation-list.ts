import { nowSeconds, type Clock } from '../core/clock.js'
import type { EventSink } from '../core/events.js'
import type { SessionStore } from '../storage/types.js'

/** How far back each sync reads again, to catch ends committed out of time order. */
const SYNC_OVERLAP_SECONDS = 5

/**
 * The sessions that ended recently, kept in memory so that an access token can be checked
 * for revocation on every request without reading storage. An entry only needs to live as
 * long as an access token of its session can; after that the token's own expiry refuses it.
 *
 * Ends made by this process are added at once. Ends made elsewhere (the CLI, another
 * instance) arrive through `sync`, which the server runs on an interval, and through
 * `add` calls from a fan-out channel where one is configured.
 */
export class RevocationList {
  private readonly ended = new Map<string, number>()
  private syncedFrom: number | undefined

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

  /** Reads the sessions ended since the last sync; true when storage answered. */
  async sync(): Promise<boolean> {
    const startedAt = nowSeconds(this.clock)
    const since = (this.syncedFrom ?? startedAt - this.retentionSeconds) - SYNC_OVERLAP_SECONDS

    try {
      const rows = await this.store.listSessionsEndedSince(since)
      for (const row of rows) this.add(row.id, row.endedAt)
    } catch (error) {
      this.events('revocation.sync_failed', { error: errorName(error) })
      return false
    }

    this.syncedFrom = startedAt
    this.forgetExpired(startedAt)
    return true
  }

  private forgetExpired(now: number): void {
    for (const [sessionId, forgetAt] of this.ended) {
      if (forgetAt < now) this.ended.delete(sessionId)
    }
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown'
}
