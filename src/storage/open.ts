import { SqlStorage } from './sql/sql-storage.js'
import { connectSqlite, isSqliteUniqueViolation } from './sqlite/connect.js'
import type { Storage } from './types.js'

export interface OpenStorageOptions {
  /** Apply pending migrations before returning. */
  migrate?: boolean
}

/** Opens storage from a `sqlite:<path>` or `postgres://...` URL. */
export async function openStorage(url: string, options: OpenStorageOptions = {}): Promise<Storage> {
  const storage = url.startsWith('sqlite:')
    ? new SqlStorage(connectSqlite(url.slice('sqlite:'.length)), 'sqlite', isSqliteUniqueViolation)
    : await openPostgres(url)

  if (options.migrate) await storage.migrate()
  return storage
}

/**
 * The PostgreSQL driver is loaded only when it is used: on SQLite it cost startup time and
 * resident memory for nothing (measured by `npm run bench`).
 */
async function openPostgres(url: string): Promise<SqlStorage> {
  const { connectPostgres, isPostgresUniqueViolation } = await import('./postgres/connect.js')
  return new SqlStorage(connectPostgres(url), 'postgres', isPostgresUniqueViolation)
}
