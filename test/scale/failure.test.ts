import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  bearer,
  createUser,
  expectError,
  getProtected,
  login,
  postJson,
  refresh,
  sleep,
  type Tokens,
} from '../support/api.js'
import { REVOCATION_BOUND_MILLISECONDS, pollUntil } from '../support/instances.js'
import { eventLines } from '../support/logs.js'
import { createTestDatabase, type TestDatabase } from '../support/postgres.js'
import { createTestRedis, type TestRedis } from '../support/redis.js'
import { startServer, type RunningServer } from '../support/server.js'
import { describeWithServices } from '../support/services.js'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js'

const VERIFY_PATH = '/accounts/api/token/verify/'

function verify(server: RunningServer, token: string): Promise<Response> {
  return postJson(server, VERIFY_PATH, { token })
}

async function expectUnavailable(response: Response, code: string): Promise<void> {
  await expectError(response, 503, code)
  expect(response.headers.get('retry-after')).toBe('1')
}

/** Waits until the server has written a log line with this event, at most 10 s. */
function waitForEvent(server: RunningServer, event: string, atLeast = 1): Promise<number> {
  return pollUntil(
    `${server.url} logs ${event}`,
    Date.now() + 10_000,
    async () => eventLines(server, event).length >= atLeast,
  )
}

/** Retries a request until it answers 200, for at most 10 s. */
async function eventuallyOk(request: () => Promise<Response>): Promise<Response> {
  let response = await request()
  const deadline = Date.now() + 10_000
  while (response.status !== 200 && Date.now() < deadline) {
    await sleep(100)
    response = await request()
  }
  expect(response.status).toBe(200)
  return response
}

describeWithServices(['postgres'], 'PostgreSQL cut off, without Redis', () => {
  let database: TestDatabase
  let proxy: TcpProxy
  let server: RunningServer
  let tokens: Tokens

  beforeAll(async () => {
    database = await createTestDatabase()
    proxy = await startTcpProxy(database.url)
    server = await startServer({
      env: {
        GATEHOUSE_DATABASE_URL: database.urlVia(proxy.host, proxy.port),
        GATEHOUSE_REVOCATION_SYNC_INTERVAL: '250ms',
      },
    })
    await createUser(server, 'alice@example.com')
    tokens = await login(server, 'alice@example.com')
    await proxy.cut()
  })

  afterAll(async () => {
    await server?.stop()
    await proxy?.close()
    await database?.drop()
  })

  it('fails logins and refreshes closed with 503 storage_unavailable', async () => {
    await expectUnavailable(
      await postJson(server, '/accounts/api/token/', { email: 'alice@example.com', password: 'x' }),
      'storage_unavailable',
    )
    await expectUnavailable(await refresh(server, tokens.refresh), 'storage_unavailable')
  })

  it('reports not ready, yet alive, and still publishes its keys', async () => {
    await expectError(await server.request('/readyz'), 503, 'storage_unavailable')
    expect((await server.request('/healthz')).status).toBe(200)
    expect((await server.request('/.well-known/jwks.json')).status).toBe(200)
  })

  it('refuses access tokens once it can no longer vouch that their session is live', async () => {
    await waitForEvent(server, 'revocation.sync_failed')
    await pollUntil('verification fails closed', Date.now() + 10_000, async () => {
      const response = await verify(server, tokens.access)
      if (response.status === 200) return false
      await expectUnavailable(response, 'storage_unavailable')
      return true
    })
    await expectUnavailable(await getProtected(server, tokens.access), 'storage_unavailable')
    expect(eventLines(server, 'revocation.sync_failed').length).toBe(1)
  })

  it('recovers by itself when PostgreSQL is back', async () => {
    await proxy.restore()

    await eventuallyOk(() => verify(server, tokens.access))
    const next = await eventuallyOk(() => refresh(server, tokens.refresh))
    const rotated = (await next.json()) as Tokens
    expect((await getProtected(server, rotated.access)).status).toBe(200)
    await login(server, 'alice@example.com')
    await waitForEvent(server, 'revocation.sync_recovered')
  })
})

describeWithServices(['postgres', 'redis'], 'PostgreSQL cut off, with Redis', () => {
  let database: TestDatabase
  let redis: TestRedis
  let proxy: TcpProxy
  let server: RunningServer
  let tokens: Tokens

  beforeAll(async () => {
    database = await createTestDatabase()
    redis = createTestRedis()
    proxy = await startTcpProxy(database.url)
    server = await startServer({
      env: {
        GATEHOUSE_DATABASE_URL: database.urlVia(proxy.host, proxy.port),
        GATEHOUSE_REDIS_URL: redis.url,
        GATEHOUSE_REDIS_KEY_PREFIX: redis.prefix,
        GATEHOUSE_REVOCATION_SYNC_INTERVAL: '250ms',
      },
    })
    await createUser(server, 'alice@example.com')
    tokens = await login(server, 'alice@example.com')
    await waitForEvent(server, 'revocation.fanout_live')
    await proxy.cut()
  })

  afterAll(async () => {
    await server?.stop()
    await proxy?.close()
    await redis?.cleanUp()
    await database?.drop()
  })

  it('keeps verifying access tokens past the bound: the live fan-out misses no end', async () => {
    await waitForEvent(server, 'revocation.sync_failed')
    // Several failed syncs and more than the bound without one.
    await sleep(REVOCATION_BOUND_MILLISECONDS * 2)

    for (let attempt = 0; attempt < 5; attempt += 1) {
      expect((await verify(server, tokens.access)).status).toBe(200)
    }
  })

  it('still fails logins and refreshes closed', async () => {
    await expectUnavailable(
      await postJson(server, '/accounts/api/token/', { email: 'alice@example.com', password: 'x' }),
      'storage_unavailable',
    )
    await expectUnavailable(await refresh(server, tokens.refresh), 'storage_unavailable')
  })
})

describeWithServices(['postgres', 'redis'], 'Redis cut off', () => {
  let database: TestDatabase
  let redis: TestRedis
  let proxy: TcpProxy
  let servers: RunningServer[]

  beforeAll(async () => {
    database = await createTestDatabase()
    redis = createTestRedis()
    proxy = await startTcpProxy(redis.url)
    const env = {
      GATEHOUSE_DATABASE_URL: database.url,
      GATEHOUSE_REDIS_URL: redis.urlVia(proxy.host, proxy.port),
      GATEHOUSE_REDIS_KEY_PREFIX: redis.prefix,
      GATEHOUSE_REVOCATION_SYNC_INTERVAL: '250ms',
    }
    const first = await startServer({ env })
    servers = [first, await startServer({ shareWith: first })]
    await createUser(first, 'alice@example.com')
    for (const server of servers) await waitForEvent(server, 'revocation.fanout_live')
  })

  afterAll(async () => {
    await Promise.all((servers ?? []).map((server) => server.stop()))
    await proxy?.close()
    await redis?.cleanUp()
    await database?.drop()
  })

  describe('while it is down', () => {
    let tokens: Tokens

    beforeAll(async () => {
      tokens = await login(servers[0]!, 'alice@example.com')
      await proxy.cut()
      for (const server of servers) await waitForEvent(server, 'revocation.fanout_lost')
    })

    it('keeps verifying access tokens on every instance', async () => {
      await sleep(REVOCATION_BOUND_MILLISECONDS * 2)
      for (const server of servers) {
        expect((await getProtected(server, tokens.access)).status).toBe(200)
      }
    })

    it('still refuses a logged-out session on the other instance within the bound', async () => {
      const logout = '/accounts/api/logout/'
      const response = await postJson(servers[0]!, logout, {}, bearer(tokens.access))
      expect(response.status).toBe(204)
      const deadline = Date.now() + REVOCATION_BOUND_MILLISECONDS

      await pollUntil('the other instance refuses the token', deadline, async () => {
        return (await getProtected(servers[1]!, tokens.access)).status === 401
      })
      await waitForEvent(servers[0]!, 'revocation.publish_failed')
    })
  })

  it('goes back to the fan-out once Redis is back', async () => {
    await proxy.restore()
    for (const server of servers) await waitForEvent(server, 'revocation.fanout_live', 2)

    const tokens = await login(servers[1]!, 'alice@example.com')
    const response = await postJson(servers[1]!, '/accounts/api/logout/', {}, bearer(tokens.access))
    expect(response.status).toBe(204)
    await pollUntil('the other instance refuses the token', Date.now() + 1000, async () => {
      return (await getProtected(servers[0]!, tokens.access)).status === 401
    })
  })
})
