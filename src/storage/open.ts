import { SqlStorage } from './sql/sql-storage.js'
import type { Storage } from './types.js'

export interface OpenStorageOptions {
  /** Apply pending migrations before returning. */
  migrate?: boolean
}

/**
 * Opens storage from a `sqlite:<path>` or `postgres://...` URL. Each driver is imported
 * only when its URL is used, so a SQLite deployment never loads `pg` (faster start).
 */
export async function openStorage(url: string, options: OpenStorageOptions = {}): Promise<Storage> {
  const storage = url.startsWith('sqlite:') ? await openSqlite(url) : await openPostgres(url)

  if (options.migrate) await storage.migrate()
  return storage
}

async function openSqlite(url: string): Promise<Storage> {
  const { connectSqlite, isSqliteUniqueViolation } = await import('./sqlite/connect.js')
  const path = url.slice('sqlite:'.length)
  return new SqlStorage(connectSqlite(path), 'sqlite', isSqliteUniqueViolation)
}

async function openPostgres(url: string): Promise<Storage> {
  const { connectPostgres, isPostgresUniqueViolation } = await import('./postgres/connect.js')
  return new SqlStorage(connectPostgres(url), 'postgres', isPostgresUniqueViolation)
}
