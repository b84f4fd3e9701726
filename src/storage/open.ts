import { SqlStorage } from './sql/sql-storage.js'
import { connectPostgres, isPostgresUniqueViolation } from './postgres/connect.js'
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
    : new SqlStorage(connectPostgres(url), 'postgres', isPostgresUniqueViolation)

  if (options.migrate) await storage.migrate()
  return storage
}
