import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

import SQLiteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'

import type { Database } from '../sql/tables.js'

/** Opens (creating as needed) an SQLite database file in WAL mode. */
export function connectSqlite(path: string): Kysely<Database> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })

  const database = new SQLiteDatabase(path)
  database.pragma('journal_mode = WAL')
  // NORMAL is durable in WAL mode except for the last commits before a power loss.
  database.pragma('synchronous = NORMAL')
  // The CLI and the server may write at the same moment; wait instead of failing.
  database.pragma('busy_timeout = 5000')

  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) })
}

export function isSqliteUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}
