import type { Command } from 'commander'

import { loadSettings } from '../../config/load.js'
import { buildServer } from '../../http/server.js'
import { openGatehouse } from '../../runtime.js'
import { createLogger } from '../../server-logger.js'

/** `serve`: run the HTTP server until SIGINT or SIGTERM. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the server (what npm start runs)')
    .action(async () => {
      const settings = loadSettings()
      const logger = createLogger(settings)
      const gatehouse = await openGatehouse(logger, settings)
      const app = buildServer(gatehouse, { logger })

      await app.listen({ host: settings.host, port: settings.port })
      gatehouse.startBackgroundWork()
      logger.info({ event: 'server.listening', url: serverUrl(settings.host, app) })

      const stop = async () => {
        await app.close()
        await gatehouse.close()
      }
      process.once('SIGINT', () => void stop())
      process.once('SIGTERM', () => void stop())
    })
}

function serverUrl(host: string, app: { server: { address(): unknown } }): string {
  const address = app.server.address() as { port: number } | null
  return `http://${host}:${address?.port ?? 0}`
}
