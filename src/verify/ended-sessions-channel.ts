import { Redis } from 'ioredis'

import { nowSeconds, type Clock } from '../core/clock.js'

const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/
const MAX_IDS_PER_MESSAGE = 10_000

/**
 * The sessions Gatehouse servers announce as ended on Redis (the channel
 * `<prefix>sessions-ended`, messages `{"ids": [...], "endedAt": <seconds>}`), remembered for
 * as long as an access token of theirs can live. A verifier without a database learns of
 * revocations this way; what is published while it is not subscribed it never hears of,
 * and those tokens live until they expire.
 */
export class EndedSessionsChannel {
  private readonly ended = new Map<string, number>()
  private readonly subscriber: Redis
  private readonly channel: string

  constructor(
    url: string,
    prefix: string,
    private readonly clock: Clock,
    private readonly retentionSeconds: number,
  ) {
    this.channel = `${prefix}sessions-ended`
    this.subscriber = new Redis(url, {
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
      autoResubscribe: false,
    })
    // The library prints nothing; a lost connection retries in the background.
    this.subscriber.on('error', () => {})
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(this.channel).catch(() => this.subscriber.disconnect(true))
    })
    this.subscriber.on('message', (_channel: string, text: string) => this.receive(text))
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

  private receive(text: string): void {
    const message = parseMessage(text)
    if (!message) return

    const forgetAt = message.endedAt + this.retentionSeconds
    for (const id of message.ids) this.ended.set(id, forgetAt)
    this.forgetExpired()
  }

  private forgetExpired(): void {
    const now = nowSeconds(this.clock)
    for (const [id, forgetAt] of this.ended) if (forgetAt < now) this.ended.delete(id)
  }
}

/** Reads a message; anything not shaped as Gatehouse sends it is ignored. */
function parseMessage(text: string): { ids: string[]; endedAt: number } | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }

  const { ids, endedAt } = (value ?? {}) as { ids?: unknown; endedAt?: unknown }
  if (!Array.isArray(ids) || ids.length > MAX_IDS_PER_MESSAGE) return null
  if (!ids.every((id) => typeof id === 'string' && SESSION_ID.test(id))) return null
  if (typeof endedAt !== 'number' || !Number.isSafeInteger(endedAt)) return null
  return { ids, endedAt }
}
