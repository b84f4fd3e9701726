import { settingsFromOptions, type SettingsOptions } from './config/options.js'
import { silentEvents, type EventSink } from './core/events.js'
import type { Gatehouse } from './gatehouse.js'
import { openGatehouseWith } from './runtime.js'
import type { AccessClaimsHook } from './tokens/token-service.js'

/** What `createGatehouse` takes: any settings, plus the hooks a library user may pass. */
export interface CreateGatehouseOptions extends SettingsOptions {
  /** Receives structured events (`login.failed`, `session.ended`...); Gatehouse logs nothing. */
  events?: EventSink
  /** Adds the application's own claims to every access token, from the user as they are now. */
  accessTokenClaims?: AccessClaimsHook
  /**
   * Runs the periodic work of a long-lived process: learning of sessions ended by other
   * processes (the CLI, other instances), key rotations, and deleting what expired.
   * On by default; its timers never keep the process alive.
   */
  backgroundWork?: boolean
}

/**
 * Opens Gatehouse for use inside an application, as the server opens it: validates the
 * settings with the server's rules, opens the database (creating and migrating it as
 * needed) and, with `redisUrl`, Redis for the throttling counters and the fan-out of ended
 * sessions; loads the signing keys and the recently ended sessions. Call `close()` on the
 * result when the application stops.
 *
 * @example
 * ```ts
 * import { createGatehouse } from 'gatehouse'
 *
 * const gatehouse = await createGatehouse({
 *   databaseUrl: 'sqlite:./data/auth.sqlite3',
 *   accessTokenLifetime: '15m',
 * })
 * // ... mount its routes with gatehouse/express, gatehouse/fastify or gatehouse/hono
 * await gatehouse.close()
 * ```
 */
export async function createGatehouse(options: CreateGatehouseOptions = {}): Promise<Gatehouse> {
  const {
    events = silentEvents,
    accessTokenClaims,
    backgroundWork = true,
    ...settingsOptions
  } = options
  const settings = settingsFromOptions(settingsOptions)
  const gatehouse = await openGatehouseWith(settings, { events, accessTokenClaims })

  if (backgroundWork) gatehouse.startBackgroundWork()
  return gatehouse
}
