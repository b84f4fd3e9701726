import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely'

import type { Database } from './tables.js'

type Dialect = 'sqlite' | 'postgres'

/**
 * Versioned schema changes, applied in name order. A released migration never changes;
 * a new one is added after it.
 */
function migrations(dialect: Dialect): Record<string, Migration> {
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer'

  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', 'integer', (column) =>
            dialect === 'postgres'
              ? column.primaryKey().generatedByDefaultAsIdentity()
              : column.primaryKey().autoIncrement(),
          )
          .addColumn('email', 'text', (column) => column.notNull())
          .addColumn('email_key', 'text', (column) => column.notNull().unique())
          .addColumn('username', 'text')
          .addColumn('password_hash', 'text', (column) => column.notNull())
          .addColumn('is_active', 'integer', (column) => column.notNull())
          .addColumn('is_staff', 'integer', (column) => column.notNull())
          .addColumn('is_superuser', 'integer', (column) => column.notNull())
          .addColumn('last_login_at', bigint)
          .addColumn('created_at', bigint, (column) => column.notNull())
          .addColumn('password_changed_at', bigint, (column) => column.notNull())
          .execute()

        await db.schema
          .createTable('sessions')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('user_id', 'integer', (column) => column.notNull())
          .addColumn('kind', 'text', (column) => column.notNull())
          .addColumn('cookie_hash', 'text', (column) => column.unique())
          .addColumn('created_at', bigint, (column) => column.notNull())
          .addColumn('last_used_at', bigint, (column) => column.notNull())
          .addColumn('expires_at', bigint, (column) => column.notNull())
          .addColumn('user_agent', 'text')
          .addColumn('client_ip', 'text')
          .addColumn('refresh_jti', 'text')
          .addColumn('refresh_issued_at', bigint)
          .addColumn('refresh_expires_at', bigint)
          .addColumn('previous_refresh_jti', 'text')
          .addColumn('rotated_at', bigint)
          .addColumn('ended_at', bigint)
          .addColumn('end_reason', 'text')
          .execute()
        await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute()
        await db.schema.createIndex('sessions_ended_at').on('sessions').column('ended_at').execute()
        await db.schema
          .createIndex('sessions_expires_at')
          .on('sessions')
          .column('expires_at')
          .execute()

        await db.schema
          .createTable('signing_keys')
          .addColumn('kid', 'text', (column) => column.primaryKey())
          .addColumn('algorithm', 'text', (column) => column.notNull())
          .addColumn('private_key', 'text', (column) => column.notNull())
          .addColumn('public_jwk', 'text')
          .addColumn('created_at', bigint, (column) => column.notNull())
          .addColumn('retired_at', bigint)
          .execute()

        await db.schema
          .createTable('counters')
          .addColumn('key', 'text', (column) => column.primaryKey())
          .addColumn('count', 'integer', (column) => column.notNull())
          .addColumn('window_started_at', bigint, (column) => column.notNull())
          .addColumn('blocked_until', bigint)
          .execute()
      },
    },
  }
}

/**
 * Brings the schema up to date. Kysely's migrator holds a lock while it runs, so several
 * instances starting at once apply each migration exactly once.
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: Dialect): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) }
  const migrator = new Migrator({ db, provider, migrationTableName: 'gatehouse_migrations' })

  const { error, results } = await migrator.migrateToLatest()
  if (error) throw error

  return (results ?? [])
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName)
}
