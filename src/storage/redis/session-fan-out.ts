import type { Redis } from 'ioredis'

import { errorName, type EventSink } from '../../core/events.js'
import type { FanOutReceiver, SessionFanOut } from '../../sessions/session-fan-out.js'
import { connectRedis } from './connect.js'

const SESSION_ID = /^[A-Za-z0-9_-]{16,64}$/
const MAX_IDS_PER_MESSAGE = 10_000
const CLOSE_WAIT_MILLISECONDS = 2000

interface EndedMessage {
  ids: string[]
  endedAt: number
}

/**
 * The fan-out of ended sessions over Redis pub/sub, on the channel
 * `<prefix>sessions-ended`. Publishing uses one connection; listening uses another, since a
 * subscribed connection can do nothing else.
 */
export class RedisSessionFanOut implements SessionFanOut {
  private readonly publisher: Redis
  private subscriber: Redis | undefined
  private readonly sending = new Set<Promise<unknown>>()

  constructor(
    private readonly url: string,
    private readonly prefix: string,
    private readonly events: EventSink,
  ) {
    this.publisher = connectRedis(url)
  }

  publish(sessionIds: string[], endedAt: number): void {
    const message: EndedMessage = { ids: sessionIds, endedAt }
    const sent = this.publisher
      .publish(channelName(this.prefix), JSON.stringify(message))
      .catch((error: unknown) => {
        this.events('revocation.publish_failed', { error: errorName(error) })
      })
      .finally(() => this.sending.delete(sent))
    this.sending.add(sent)
  }

  listen(receiver: FanOutReceiver): void {
    this.subscriber = subscribeToEndedSessions(this.url, this.prefix, receiver)
  }

  async close(): Promise<void> {
    const timeout = new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MILLISECONDS).unref())
    await Promise.race([Promise.allSettled([...this.sending]), timeout])
    this.subscriber?.disconnect()
    this.publisher.disconnect()
  }
}

/**
 * Listens on the ended-sessions channel on a connection of its own and hands each message to
 * `receiver`: the servers' revocation lists, and the database-free token verifier. On every
 * (re)connection it subscribes again, and only then tells the receiver the channel is live.
 * Disconnect the returned connection to stop.
 */
export function subscribeToEndedSessions(
  url: string,
  prefix: string,
  receiver: FanOutReceiver,
): Redis {
  const subscriber = connectRedis(url)
  subscriber.on('ready', () => {
    subscriber.subscribe(channelName(prefix)).then(
      () => receiver.channelLive(),
      () => subscriber.disconnect(true),
    )
  })
  subscriber.on('close', () => receiver.channelLost())
  subscriber.on('message', (_channel: string, text: string) => {
    const message = parseMessage(text)
    if (message) receiver.sessionsEnded(message.ids, message.endedAt)
  })
  return subscriber
}

function channelName(prefix: string): string {
  return `${prefix}sessions-ended`
}

/** Reads a message; anything not shaped as Gatehouse sends it is ignored. */
function parseMessage(text: string): EndedMessage | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }

  const { ids, endedAt } = (value ?? {}) as Partial<EndedMessage>
  if (!Array.isArray(ids) || ids.length > MAX_IDS_PER_MESSAGE) return null
  if (!ids.every((id) => typeof id === 'string' && SESSION_ID.test(id))) return null
  if (typeof endedAt !== 'number' || !Number.isSafeInteger(endedAt)) return null
  return { ids, endedAt }
}
