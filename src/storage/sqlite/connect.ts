import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

import SQLiteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely'

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

  const dialect = new SqliteDialect({ database: reusingStatements(database) })
  return new Kysely<Database>({ dialect })
}

const STATEMENT_CACHE_LIMIT = 256

/**
 * Kysely prepares every query anew, and preparing was a fifth of the storage time of a
 * login in the profile. A better-sqlite3 statement can run again with new parameters, so
 * statements are kept by their SQL text. Kysely's SQLite driver runs one query at a time,
 * so no statement is ever in use twice at once.
 */
function reusingStatements(database: SQLiteDatabase.Database): SqliteDatabase {
  const statements = new Map<string, SQLiteDatabase.Statement>()
  return {
    close: () => database.close(),
    prepare: (sql) => {
      let statement = statements.get(sql)
      if (!statement) {
        // Queries are parameterised, so few texts recur; a bound keeps odd ones from piling up.
        if (statements.size >= STATEMENT_CACHE_LIMIT) statements.clear()
        statement = database.prepare(sql)
        statements.set(sql, statement)
      }
      return statement
    },
  }
}

export function isSqliteUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}
