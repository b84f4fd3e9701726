import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { GatehouseError } from '../../src/core/errors.js'
import { openStorage } from '../../src/storage/open.js'
import { connectRedis, isRedisUnavailable } from '../../src/storage/redis/connect.js'
import { RedisCounterStore } from '../../src/storage/redis/counter-store.js'
import { reportUnavailable } from '../../src/storage/unavailable.js'
import { createTestRedis, type TestRedis } from '../support/redis.js'
import { describeWithServices } from '../support/services.js'
import { startTcpProxy } from '../support/tcp-proxy.js'
import { describeCounterStoreConformance } from './conformance.js'
import { eventuallyResolves } from '../support/api.js'

const NOW = 4_102_444_800

/** A counter store as `openStorage` builds it: Redis, with failures reported as 503s. */
function openCounters(url: string, prefix: string) {
  const store = new RedisCounterStore(connectRedis(url), prefix)
  return reportUnavailable(store, isRedisUnavailable, 'cache_unavailable')
}

describeWithServices(['redis'], 'Redis counter store', () => {
  let redis: TestRedis
  let direct: Redis

  beforeAll(() => {
    redis = createTestRedis()
    direct = new Redis(redis.url)
  })

  afterAll(async () => {
    direct?.disconnect()
    await redis?.cleanUp()
  })

  describe('contract', () => {
    describeCounterStoreConformance(async () => {
      const counters = openCounters(redis.url, redis.prefix)
      return {
        counters,
        another: async () => {
          const other = openCounters(redis.url, redis.prefix)
          return { counters: other, close: () => other.close() }
        },
        close: () => counters.close(),
      }
    })
  })

  it('lets Redis expire a counter a day after its window or block ends', async () => {
    const counters = openCounters(redis.url, redis.prefix)
    try {
      await counters.incrementCounter('expiry', NOW, 60)
      const ttl = await direct.ttl(`${redis.prefix}counter:expiry`)
      expect(ttl).toBeGreaterThan(86400)
      expect(ttl).toBeLessThanOrEqual(86400 + 60)

      await counters.blockCounter('expiry', NOW + 3600)
      expect(await direct.ttl(`${redis.prefix}counter:expiry`)).toBeGreaterThan(86400 + 3000)
    } finally {
      await counters.close()
    }
  })

  it('keeps the counters of storage opened with a Redis URL in Redis, not in SQL', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'gatehouse-redis-'))
    const url = `sqlite:${join(directory, 'gatehouse.sqlite3')}`
    const withRedis = await openStorage(url, {
      migrate: true,
      redisUrl: redis.url,
      redisKeyPrefix: redis.prefix,
    })
    const databaseOnly = await openStorage(url)

    try {
      await withRedis.incrementCounter('shared', NOW, 60)
      expect(await direct.hget(`${redis.prefix}counter:shared`, 'c')).toBe('1')
      expect(await databaseOnly.readCounter('shared')).toBeNull()
      expect(await withRedis.readCounter('shared')).toMatchObject({ count: 1 })
    } finally {
      await withRedis.close()
      await databaseOnly.close()
      rmSync(directory, { recursive: true, force: true })
    }
  })

  it('fails with cache_unavailable while Redis is cut off, and recovers after', async () => {
    const proxy = await startTcpProxy(redis.url)
    const counters = openCounters(redis.urlVia(proxy.host, proxy.port), redis.prefix)
    try {
      expect((await counters.incrementCounter('cut', NOW, 60)).count).toBe(1)

      await proxy.cut()
      const failure = await counters.incrementCounter('cut', NOW, 60).catch((error) => error)
      expect(failure).toBeInstanceOf(GatehouseError)
      expect(failure.code).toBe('cache_unavailable')
      await expect(counters.readCounter('cut')).rejects.toMatchObject({ code: 'cache_unavailable' })

      await proxy.restore()
      const recovered = await eventuallyResolves(() => counters.incrementCounter('cut', NOW, 60))
      expect(recovered.count).toBe(2)
    } finally {
      await counters.close()
      await proxy.close()
    }
  })
})
