import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'

import type { Database } from '../sql/tables.js'

const INT8_TYPE_ID = 20

/** Opens a pool of connections to PostgreSQL. */
export function connectPostgres(url: string): Kysely<Database> {
  // Times are stored as bigint seconds; they fit a JavaScript number exactly.
  pg.types.setTypeParser(INT8_TYPE_ID, (text) => Number(text))

  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30000,
  })
  // An idle client losing its connection must not crash the process; the next query fails
  // instead and the caller answers 503.
  pool.on('error', () => {})

  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}

export function isPostgresUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505'
}
