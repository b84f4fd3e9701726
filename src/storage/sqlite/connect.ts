import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

import SQLiteDatabase from 'better-sqlite3'
import {
  Kysely,
  SqliteAdapter,
  SqliteDialect,
  sql,
  type DialectAdapter,
  type MigrationLockOptions,
} from 'kysely'

import type { Database } from '../sql/tables.js'

const BUSY_TIMEOUT_MILLISECONDS = 5000
const LOCK_POLL_MILLISECONDS = 25

/** Opens (creating as needed) an SQLite database file in WAL mode. */
export function connectSqlite(path: string): Kysely<Database> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })

  const database = new SQLiteDatabase(path)
  database.pragma('journal_mode = WAL')
  // NORMAL is durable in WAL mode except for the last commits before a power loss.
  database.pragma('synchronous = NORMAL')
  // The CLI and the server may write at the same moment; wait instead of failing.
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MILLISECONDS}`)

  return new Kysely<Database>({ dialect: new LockingSqliteDialect({ database }) })
}

export function isSqliteUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
}

/**
 * True for the failures of SQLite itself rather than of a query: the file locked past the
 * busy timeout, unreadable or on a full disk. These answer 503, not 500.
 */
export function isSqliteUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|NOMEM)/.test(code)
}

/**
 * Kysely's SQLite adapter assumes one process, so its migration lock does nothing: two
 * processes starting on one file (a server and the CLI's `migrate`) would both create the
 * tables. This one takes SQLite's write lock (an immediate transaction) for the whole run.
 * It polls for the lock instead of using the busy timeout, because better-sqlite3 waits
 * synchronously and would stall every other request of the process meanwhile.
 */
class LockingSqliteAdapter extends SqliteAdapter {
  private locked = false

  override async acquireMigrationLock(db: Kysely<unknown>, _options: MigrationLockOptions) {
    await sql`pragma busy_timeout = 0`.execute(db)
    const deadline = Date.now() + BUSY_TIMEOUT_MILLISECONDS * 6
    try {
      while (!(await tryBeginImmediate(db))) {
        if (Date.now() > deadline) throw new Error('SQLite migration lock not free after 30 s')
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MILLISECONDS))
      }
      this.locked = true
    } finally {
      await sql.raw(`pragma busy_timeout = ${BUSY_TIMEOUT_MILLISECONDS}`).execute(db)
    }
  }

  override async releaseMigrationLock(db: Kysely<unknown>, _options: MigrationLockOptions) {
    if (!this.locked) return
    this.locked = false
    await sql`commit`.execute(db)
  }
}

async function tryBeginImmediate(db: Kysely<unknown>): Promise<boolean> {
  try {
    await sql`begin immediate`.execute(db)
    return true
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') return false
    throw error
  }
}

class LockingSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new LockingSqliteAdapter()
  }
}
