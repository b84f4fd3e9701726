import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { isPostgresUnavailable } from '../../src/storage/postgres/connect.js'
import { openStorage } from '../../src/storage/open.js'
import type { Storage } from '../../src/storage/types.js'
import { createTestDatabase, type TestDatabase } from '../support/postgres.js'
import { describeWithServices } from '../support/services.js'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js'
import { describeStorageConformance } from './conformance.js'
import { eventuallyResolves } from '../support/api.js'

describeWithServices(['postgres'], 'PostgreSQL storage', () => {
  describe('contract', () => {
    describeStorageConformance(async () => {
      const database = await createTestDatabase()
      return { open: () => openStorage(database.url), drop: () => database.drop() }
    })
  })

  describe('when the connection is lost', () => {
    let database: TestDatabase
    let proxy: TcpProxy
    let storage: Storage

    beforeAll(async () => {
      database = await createTestDatabase()
      proxy = await startTcpProxy(database.url)
      storage = await openStorage(database.urlVia(proxy.host, proxy.port), { migrate: true })
    })

    afterAll(async () => {
      await storage?.close()
      await proxy?.close()
      await database?.drop()
    })

    it('fails every call with storage_unavailable while cut off, and recovers', async () => {
      await storage.ping()
      await proxy.cut()

      const calls = [
        storage.ping(),
        storage.findUserById(1),
        storage.findSession('a-session-id-of-16'),
        storage.listSessionsEndedSince(0),
        storage.incrementCounter('cut', 1, 60),
      ]
      for (const result of await Promise.allSettled(calls)) {
        expect(result.status).toBe('rejected')
        expect((result as PromiseRejectedResult).reason).toMatchObject({
          code: 'storage_unavailable',
          retryAfterSeconds: 1,
        })
      }

      await proxy.restore()
      await eventuallyResolves(() => storage.ping())
      expect(await storage.findUserById(1)).toBeNull()
    })

    it('counts a query whose backend was terminated as unavailable', async () => {
      const client = new pg.Client({ connectionString: database.url })
      await client.connect()
      client.on('error', () => {})
      try {
        const sleeping = client.query('select pg_sleep(30)').catch((error: unknown) => error)
        await eventuallyResolves(async () => {
          const rows = await database.query(
            "select 1 from pg_stat_activity where datname = $1 and query like 'select pg_sleep%'",
            [database.name],
          )
          if (rows.length === 0) throw new Error('the query has not started yet')
        })
        await database.terminateConnections()

        const error = await sleeping
        expect(error).toMatchObject({ code: '57P01' })
        expect(isPostgresUnavailable(error)).toBe(true)
      } finally {
        await client.end().catch(() => {})
      }
    })

    it('recovers by itself after its backends are terminated', async () => {
      await eventuallyResolves(() => storage.ping())
      expect(await database.terminateConnections()).toBeGreaterThan(0)

      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => storage.listSessionsEndedSince(0)),
      )
      for (const result of results) {
        if (result.status === 'rejected') {
          expect(result.reason).toMatchObject({ code: 'storage_unavailable' })
        }
      }
      expect(await eventuallyResolves(() => storage.listSessionsEndedSince(0))).toEqual([])
    })
  })
})
