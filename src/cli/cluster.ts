import cluster, { type Worker } from 'node:cluster'

import type { Logger } from 'pino'

import { ConfigError } from '../config/load.js'
import type { Settings } from '../config/settings.js'
import { openGatehouse } from '../runtime.js'
import { isSqliteUrl } from '../storage/open.js'

/** The most workers `serve --workers` starts; more rarely helps on one machine. */
export const MAX_WORKERS = 64

/**
 * Runs `workers` server processes on one port (node:cluster), all on the same storage, and
 * replaces any that dies. The primary serves nothing itself: it prepares storage once,
 * starts the workers, and stops them on SIGINT or SIGTERM.
 *
 * SQLite is refused: its single writer serializes every process's writes anyway, and
 * under load the waiting turns into 503s. One process already hashes passwords on several
 * cores (the hashing runs on the libuv thread pool).
 */
export async function runPrimary(workers: number, settings: Settings, logger: Logger) {
  if (isSqliteUrl(settings.databaseUrl)) {
    throw new ConfigError(
      '--workers: several processes need PostgreSQL (GATEHOUSE_DATABASE_URL=postgres://...); ' +
        'SQLite is served by one process',
    )
  }

  // Migrate and make the first signing key once, before workers race to do it.
  await (await openGatehouse(logger, settings)).close()

  const supervisor = new Supervisor(workers, settings, logger)
  supervisor.start()
  process.once('SIGINT', () => void supervisor.stop())
  process.once('SIGTERM', () => void supervisor.stop())
}

class Supervisor {
  private stopping = false
  private listening = new Set<number>()
  private announced = false

  constructor(
    private readonly workers: number,
    private readonly settings: Settings,
    private readonly logger: Logger,
  ) {}

  start(): void {
    cluster.on('listening', (worker, address) => this.onListening(worker, address.port))
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal))
    for (let index = 0; index < this.workers; index += 1) this.fork()
  }

  async stop(): Promise<void> {
    this.stopping = true
    const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined)
    await Promise.all(workers.map((worker) => stopWorker(worker)))
    this.logger.info({ event: 'server.stopped' })
  }

  private fork(): void {
    const worker = cluster.fork()
    this.logger.info({ event: 'worker.started', pid: worker.process.pid })
  }

  private onListening(worker: Worker, port: number): void {
    this.listening.add(worker.id)
    if (this.announced || this.listening.size < this.workers) return

    this.announced = true
    const url = `http://${this.settings.host}:${port}`
    this.logger.info({ event: 'server.listening', url, workers: this.workers })
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    this.listening.delete(worker.id)
    if (this.stopping) return

    this.logger.warn({ event: 'worker.exited', pid: worker.process.pid, code, signal })
    this.fork()
  }
}

function stopWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    if (worker.isDead()) return resolve()
    worker.once('exit', () => resolve())
    worker.process.kill('SIGTERM')
  })
}
