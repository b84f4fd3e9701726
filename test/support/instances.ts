import { createTestDatabase, type TestDatabase } from './postgres.js'
import { createTestRedis, type TestRedis } from './redis.js'
import { startServer, type RunningServer } from './server.js'

/** Several server processes sharing one PostgreSQL database and, optionally, one Redis. */
export interface Instances {
  servers: RunningServer[]
  database: TestDatabase
  redis: TestRedis | undefined
  /** The environment every instance runs with, for starting the CLI alongside. */
  env: Record<string, string>
  stop(): Promise<void>
}

export interface InstancesOptions {
  count?: number
  redis?: boolean
  env?: Record<string, string>
}

/**
 * Starts `count` instances on a new database. The first starts alone so that it migrates
 * and makes the first signing key; the others then start together.
 */
export async function startInstances(options: InstancesOptions = {}): Promise<Instances> {
  const database = await createTestDatabase()
  const redis = options.redis ? createTestRedis() : undefined
  const env: Record<string, string> = {
    GATEHOUSE_DATABASE_URL: database.url,
    GATEHOUSE_LOG_LEVEL: 'info',
    ...(redis ? { GATEHOUSE_REDIS_URL: redis.url, GATEHOUSE_REDIS_KEY_PREFIX: redis.prefix } : {}),
    ...options.env,
  }

  const first = await startServer({ env })
  const rest = await Promise.all(
    Array.from({ length: (options.count ?? 3) - 1 }, () => startServer({ shareWith: first })),
  )
  const servers = [first, ...rest]

  return {
    servers,
    database,
    redis,
    env: first.env,
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()))
      await redis?.cleanUp()
      await database.drop()
    },
  }
}

/** The promised bound: a session ended on one instance is refused by all within 1 s. */
export const REVOCATION_BOUND_MILLISECONDS = 1000

/**
 * Polls `check` until it answers true, and fails if it has not by `deadline` (epoch
 * milliseconds). Returns how many polls it took.
 */
export async function pollUntil(
  what: string,
  deadline: number,
  check: () => Promise<boolean>,
): Promise<number> {
  for (let polls = 1; ; polls += 1) {
    if (await check()) return polls
    if (Date.now() > deadline) throw new Error(`${what}: not so by the deadline`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
