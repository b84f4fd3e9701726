import { nowSeconds, type Clock } from '../core/clock.js'
import { GatehouseError } from '../core/errors.js'
import type { EventSink } from '../core/events.js'
import type { CounterStore } from '../storage/types.js'
import { addressKey } from './address-key.js'

export interface RateLimitSettings {
  /** Names the counters, so two limiters never share one. */
  name: string
  requestsPerWindow: number
  windowSeconds: number
}

/**
 * A fixed-window limit on requests per client address, counted atomically in storage so
 * every instance shares it. Every request counts, whatever its outcome.
 */
export class RateLimiter {
  constructor(
    private readonly store: Pick<CounterStore, 'incrementCounter'>,
    private readonly settings: RateLimitSettings,
    private readonly clock: Clock,
    private readonly events: EventSink,
  ) {}

  /** Counts one request; throws `throttled` with the seconds to wait once over the limit. */
  async hit(clientIp: string | null): Promise<void> {
    if (clientIp === null) return

    const { name, requestsPerWindow, windowSeconds } = this.settings
    const now = nowSeconds(this.clock)
    const state = await this.store.incrementCounter(
      `rate:${name}:${addressKey(clientIp)}`,
      now,
      windowSeconds,
    )
    if (state.count <= requestsPerWindow) return

    this.events('requests.throttled', { limiter: name, clientIp })
    throw new GatehouseError(
      'throttled',
      'Too many requests. Try again later.',
      state.windowStartedAt + windowSeconds - now,
    )
  }
}
