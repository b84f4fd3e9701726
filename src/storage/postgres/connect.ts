import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'

import type { Database } from '../sql/tables.js'
import { isSocketError } from '../unavailable.js'

const INT8_TYPE_ID = 20

/** Opens a pool of connections to PostgreSQL. */
export function connectPostgres(url: string): Kysely<Database> {
  // Times are stored as bigint seconds; they fit a JavaScript number exactly.
  pg.types.setTypeParser(INT8_TYPE_ID, (text) => Number(text))

  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 3000,
    // A server that stops answering without closing the connection (a partition) must fail
    // the request in bounded time, not hold it until the client gives up.
    query_timeout: 5000,
    idleTimeoutMillis: 30000,
  })
  // A client losing its connection emits 'error'. The pool listens only while a client is
  // idle; one checked out (between queries of a request) has no listener, and the process
  // would crash. Every client gets its own: the query in flight fails instead, as a 503.
  pool.on('error', () => {})
  pool.on('connect', (client) => client.on('error', () => {}))

  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}

export function isPostgresUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505'
}

// SQLSTATE classes of a server that cannot serve now: 08 connection exception, 53
// insufficient resources, 57 operator intervention (shutdown, terminated, cancelled), 58
// system error.
const UNAVAILABLE_STATES = /^(08|53|57|58)/

// node-postgres reports a lost or never-made connection with these messages and no code.
const UNAVAILABLE_MESSAGES = new RegExp(
  [
    'Connection terminated',
    'Connection ended',
    'timeout exceeded when trying to connect',
    'Query read timeout',
    'not queryable',
  ].join('|'),
  'i',
)

/** True when PostgreSQL could not be reached or dropped the connection: a 503, not a 500. */
export function isPostgresUnavailable(error: unknown): boolean {
  if (isSocketError(error)) return true

  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && UNAVAILABLE_STATES.test(code)) return true
  return error instanceof Error && UNAVAILABLE_MESSAGES.test(error.message)
}
