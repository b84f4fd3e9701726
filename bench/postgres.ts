import { randomBytes } from 'node:crypto'

import pg from 'pg'

/** A database of the bench's own on a shared PostgreSQL server, dropped when done. */
export interface PrivateDatabase {
  url: string
  drop(): Promise<void>
}

/**
 * Creates a fresh database next to the one `adminUrl` names, so the bench never reads or
 * writes anything it did not make.
 */
export async function createPrivateDatabase(adminUrl: string): Promise<PrivateDatabase> {
  const name = `gatehouse_bench_${process.pid}_${randomBytes(4).toString('hex')}`
  await runStatement(adminUrl, `CREATE DATABASE ${name}`)

  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    // FORCE ends the server's pooled connections, should one still be open.
    drop: () => runStatement(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  }
}

async function runStatement(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}
