import cluster from 'node:cluster'

import { InvalidArgumentError, type Command } from 'commander'
import type { Logger } from 'pino'

import { ConfigError, loadSettings } from '../../config/load.js'
import type { Settings } from '../../config/settings.js'
import { buildServer } from '../../http/server.js'
import { openGatehouse } from '../../runtime.js'
import { createLogger } from '../../server-logger.js'
import { MAX_WORKERS, runPrimary } from '../cluster.js'

/** `serve`: run the HTTP server until SIGINT or SIGTERM; `--workers N` runs N processes. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the server (what npm start runs)')
    .option(
      '--workers <count>',
      `server processes sharing the port, 1 to ${MAX_WORKERS}; more than 1 needs PostgreSQL`,
      parseWorkers,
      1,
    )
    .action(async (options: { workers: number }) => {
      const settings = loadSettings()
      const logger = createLogger(settings)

      if (cluster.isPrimary && options.workers > 1) {
        await runPrimary(options.workers, settings, logger)
        return
      }
      await serveOne(settings, logger)
    })
}

async function serveOne(settings: Settings, logger: Logger): Promise<void> {
  const gatehouse = await openGatehouse(logger, settings)
  const app = buildServer(gatehouse, { logger })

  try {
    await app.listen({ host: settings.host, port: settings.port })
  } catch (error) {
    await gatehouse.close()
    throw listenError(error, settings)
  }
  gatehouse.startBackgroundWork()
  const event = cluster.isWorker ? 'worker.listening' : 'server.listening'
  logger.info({ event, url: serverUrl(settings.host, app), pid: process.pid })

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      await app.close()
      await gatehouse.close()
      // A worker's channel to the primary would keep it running.
      if (cluster.isWorker && process.connected) process.disconnect()
    })()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  // A worker whose primary is gone gets no more connections; it leaves instead of lingering.
  if (cluster.isWorker) process.once('disconnect', stop)
}

/** Names the setting behind a failure to listen, as every configuration error does. */
function listenError(error: unknown, settings: Settings): unknown {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'EADDRINUSE') {
    return new ConfigError(`GATEHOUSE_PORT: port ${settings.port} is already in use`)
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ConfigError(`GATEHOUSE_HOST: cannot listen on ${settings.host}`)
  }
  if (code === 'EACCES') {
    return new ConfigError(`GATEHOUSE_PORT: not allowed to listen on port ${settings.port}`)
  }
  return error
}

function parseWorkers(text: string): number {
  const count = Number(text)
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_WORKERS}`)
  }
  return count
}

function serverUrl(host: string, app: { server: { address(): unknown } }): string {
  const address = app.server.address() as { port: number } | null
  return `http://${host}:${address?.port ?? 0}`
}
