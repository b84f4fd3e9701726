import {
  connectPostgres,
  isPostgresUnavailable,
  isPostgresUniqueViolation,
} from './postgres/connect.js'
import { connectRedis, isRedisUnavailable } from './redis/connect.js'
import { RedisCounterStore } from './redis/counter-store.js'
import { SqlStorage } from './sql/sql-storage.js'
import { connectSqlite, isSqliteUnavailable, isSqliteUniqueViolation } from './sqlite/connect.js'
import type { Storage } from './types.js'
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
 * `storage_unavailable` or `cache_unavailable`.
 */
export async function openStorage(url: string, options: OpenStorageOptions = {}): Promise<Storage> {
  const database = openDatabase(url)
  const storage = options.redisUrl
    ? withCounterStore(database, openRedisCounters(options.redisUrl, options.redisKeyPrefix))
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

function openDatabase(url: string): Storage {
  if (isSqliteUrl(url)) {
    const db = connectSqlite(url.slice('sqlite:'.length))
    const storage = new SqlStorage(db, 'sqlite', isSqliteUniqueViolation)
    return reportUnavailable(storage, isSqliteUnavailable, 'storage_unavailable')
  }

  const storage = new SqlStorage(connectPostgres(url), 'postgres', isPostgresUniqueViolation)
  return reportUnavailable(storage, isPostgresUnavailable, 'storage_unavailable')
}

function openRedisCounters(url: string, prefix = 'gatehouse:') {
  const counters = new RedisCounterStore(connectRedis(url), prefix)
  return reportUnavailable(counters, isRedisUnavailable, 'cache_unavailable')
}
