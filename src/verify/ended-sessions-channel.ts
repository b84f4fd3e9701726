import type { Redis } from 'ioredis'

import { nowSeconds, type Clock } from '../core/clock.js'
import type { FanOutReceiver } from '../sessions/session-fan-out.js'
import { subscribeToEndedSessions } from '../storage/redis/session-fan-out.js'

/**
 * The sessions Gatehouse servers announce as ended on Redis (their fan-out channel),
 * remembered for as long as an access token of theirs can live. A verifier without a
 * database learns of revocations this way; what is published while it is not subscribed it
 * never hears of, and those tokens live until they expire.
 */
export class EndedSessionsChannel implements FanOutReceiver {
  private readonly ended = new Map<string, number>()
  private readonly subscriber: Redis

  constructor(
    url: string,
    prefix: string,
    private readonly clock: Clock,
    private readonly retentionSeconds: number,
  ) {
    this.subscriber = subscribeToEndedSessions(url, prefix, this)
  }

  /** True when the session was announced as ended. */
  has(sessionId: string): boolean {
    const forgetAt = this.ended.get(sessionId)
    if (forgetAt === undefined) return false
    if (forgetAt >= nowSeconds(this.clock)) return true

    this.ended.delete(sessionId)
    return false
  }

  close(): void {
    this.subscriber.disconnect()
  }

  sessionsEnded(sessionIds: string[], endedAt: number): void {
    const forgetAt = endedAt + this.retentionSeconds
    for (const id of sessionIds) this.ended.set(id, forgetAt)
    this.forgetExpired()
  }

  // With no database to catch up from, whether the channel is live changes nothing here.
  channelLive(): void {}

  channelLost(): void {}

  private forgetExpired(): void {
    const now = nowSeconds(this.clock)
    for (const [id, forgetAt] of this.ended) if (forgetAt < now) this.ended.delete(id)
  }
}
