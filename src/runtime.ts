import type { Logger } from 'pino'

import { loadSettings } from './config/load.js'
import type { Settings } from './config/settings.js'
import { Gatehouse } from './gatehouse.js'
import { loggingEvents } from './server-logger.js'
import { openStorage } from './storage/open.js'

/** Opens storage (migrating an embedded database), loads keys and revocations. */
export async function openGatehouse(
  logger: Logger,
  settings: Settings = loadSettings(),
): Promise<Gatehouse> {
  const storage = await openStorage(settings.databaseUrl, { migrate: true })
  const gatehouse = new Gatehouse({ settings, storage, events: loggingEvents(logger) })

  try {
    await gatehouse.load()
  } catch (error) {
    await storage.close()
    throw error
  }
  return gatehouse
}
