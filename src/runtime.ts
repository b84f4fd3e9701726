import type { Logger } from 'pino'

import { loadSettings } from './config/load.js'
import type { Settings } from './config/settings.js'
import type { EventSink } from './core/events.js'
import { Gatehouse } from './gatehouse.js'
import { loggingEvents } from './server-logger.js'
import type { SessionFanOut } from './sessions/session-fan-out.js'
import { openStorage } from './storage/open.js'
import type { AccessClaimsHook } from './tokens/token-service.js'

/**
 * Opens storage (migrating it), with the counters and the fan-out of ended sessions in
 * Redis when GATEHOUSE_REDIS_URL is set, then loads keys and revocations.
 */
export async function openGatehouse(
  logger: Logger,
  settings: Settings = loadSettings(),
): Promise<Gatehouse> {
  return openGatehouseWith(settings, { events: loggingEvents(logger) })
}

/** What the server, the CLI and `createGatehouse` pass besides the settings. */
export interface OpeningOptions {
  events: EventSink
  accessTokenClaims?: AccessClaimsHook | undefined
}

/** `openGatehouse` for callers with their own event sink (the library's `createGatehouse`). */
export async function openGatehouseWith(
  settings: Settings,
  options: OpeningOptions,
): Promise<Gatehouse> {
  const { events, accessTokenClaims } = options
  const storage = await openStorage(settings.databaseUrl, {
    migrate: true,
    redisUrl: settings.redisUrl,
    redisKeyPrefix: settings.redisKeyPrefix,
  })
  const fanOut = settings.redisUrl
    ? await openFanOut(settings.redisUrl, settings.redisKeyPrefix, events)
    : undefined
  const gatehouse = new Gatehouse({
    settings,
    storage,
    events,
    fanOut,
    ...(accessTokenClaims ? { accessTokenClaims } : {}),
  })

  try {
    await gatehouse.load()
  } catch (error) {
    await gatehouse.close()
    throw error
  }
  return gatehouse
}

/** The Redis fan-out, imported only when configured, as the database drivers are. */
async function openFanOut(url: string, prefix: string, events: EventSink): Promise<SessionFanOut> {
  const { RedisSessionFanOut } = await import('./storage/redis/session-fan-out.js')
  return new RedisSessionFanOut(url, prefix, events)
}
