import { randomBytes } from 'node:crypto'

import pg from 'pg'

import { requireServiceUrl, urlVia } from './services.js'

/** A PostgreSQL database of its own for one suite, dropped at the end. */
export interface TestDatabase {
  name: string
  url: string
  /** The URL of the same database reached through another host and port (a proxy). */
  urlVia(host: string, port: number): string
  /** Ends every server connection to this database, as a crash of the backends would. */
  terminateConnections(): Promise<number>
  /** Runs one query against the database, outside Gatehouse. */
  query<Row extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>
  drop(): Promise<void>
}

/** Creates a randomly named database next to the one GATEHOUSE_TEST_POSTGRES_URL names. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = requireServiceUrl('postgres')
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`
  await adminQuery(adminUrl, `create database ${name}`)

  const url = withDatabase(adminUrl, name)
  return {
    name,
    url,
    urlVia: (host, port) => urlVia(url, host, port),
    terminateConnections: async () => {
      const rows = await adminQuery(
        adminUrl,
        `select pg_terminate_backend(pid) from pg_stat_activity
         where datname = $1 and pid <> pg_backend_pid()`,
        [name],
      )
      return rows.length
    },
    query: (text, values) => adminQuery(url, text, values),
    drop: async () => {
      await adminQuery(adminUrl, `drop database if exists ${name} with (force)`)
    },
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

async function adminQuery<Row extends Record<string, unknown>>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const result = await client.query<Row>(text, values)
    return result.rows
  } finally {
    await client.end()
  }
}
