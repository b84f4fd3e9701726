import { SqlStorage } from './sql/sql-storage.js'
import type { CounterStore, Storage } from './types.js'
import { reportUnavailable } from './unavailable.js'
import { withCounterStore } from './with-counter-store.js'

export interface OpenStorageOptions {
  /** Apply pending migrations before returning. */
  migrate?: boolean
  /** Keep the throttling counters in this Redis, shared by every instance. */
  redisUrl?: string | undefined
  /** Prepended to every Redis key, so several deployments can share one Redis. */
  redisKeyPrefix?: string
}

/**
 * Opens storage from a `sqlite:<path>` or `postgres://...` URL, with the counters in Redis
 * when a Redis URL is given. A backend that cannot be reached fails with
 * `storage_unavailable` or `cache_unavailable`. Each driver is imported only when its URL
 * is used, so a SQLite deployment never loads `pg` or `ioredis` (faster start).
 */
export async function openStorage(url: string, options: OpenStorageOptions = {}): Promise<Storage> {
  const database = isSqliteUrl(url) ? await openSqlite(url) : await openPostgres(url)
  const storage = options.redisUrl
    ? withCounterStore(database, await openRedisCounters(options.redisUrl, options.redisKeyPrefix))
    : database

  if (options.migrate) {
    try {
      await storage.migrate()
    } catch (error) {
      await storage.close()
      throw error
    }
  }
  return storage
}

/** True when a database URL names SQLite, which only one process may serve (see `serve`). */
export function isSqliteUrl(url: string): boolean {
  return url.startsWith('sqlite:')
}

async function openSqlite(url: string): Promise<Storage> {
  const { connectSqlite, isSqliteUnavailable, isSqliteUniqueViolation } =
    await import('./sqlite/connect.js')
  const path = url.slice('sqlite:'.length)
  const storage = new SqlStorage(connectSqlite(path), 'sqlite', isSqliteUniqueViolation)
  return reportUnavailable(storage, isSqliteUnavailable, 'storage_unavailable')
}

async function openPostgres(url: string): Promise<Storage> {
  const { connectPostgres, isPostgresUnavailable, isPostgresUniqueViolation } =
    await import('./postgres/connect.js')
  const storage = new SqlStorage(connectPostgres(url), 'postgres', isPostgresUniqueViolation)
  return reportUnavailable(storage, isPostgresUnavailable, 'storage_unavailable')
}

async function openRedisCounters(
  url: string,
  prefix = 'gatehouse:',
): Promise<CounterStore & { close(): Promise<void> }> {
  const { connectRedis, isRedisUnavailable } = await import('./redis/connect.js')
  const { RedisCounterStore } = await import('./redis/counter-store.js')
  const counters = new RedisCounterStore(connectRedis(url), prefix)
  return reportUnavailable(counters, isRedisUnavailable, 'cache_unavailable')
}
