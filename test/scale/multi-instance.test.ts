import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  bearer,
  claimsOf,
  createUser,
  expectError,
  getProtected,
  headerOf,
  login,
  postJson,
  refresh,
  sleep,
  type Tokens,
  refreshOk,
} from '../support/api.js'
import {
  REVOCATION_BOUND_MILLISECONDS,
  pollUntil,
  startInstances,
  type Instances,
} from '../support/instances.js'
import { eventLines } from '../support/logs.js'
import { runCli, type RunningServer } from '../support/server.js'
import { describeWithServices } from '../support/services.js'

/** Waits until every instance refuses an access token, within the revocation bound. */
async function expectRefusedEverywhere(
  servers: RunningServer[],
  access: string,
  endedAt: number,
): Promise<void> {
  const deadline = endedAt + REVOCATION_BOUND_MILLISECONDS
  await Promise.all(
    servers.map((server) =>
      pollUntil(`${server.url} refuses the ended session`, deadline, async () => {
        const response = await getProtected(server, access)
        if (response.status === 200) return false
        await expectError(response, 401, 'token_not_valid')
        return true
      }),
    ),
  )
}

async function expectAcceptedEverywhere(servers: RunningServer[], access: string): Promise<void> {
  for (const server of servers) expect((await getProtected(server, access)).status).toBe(200)
}

describeWithServices(['postgres', 'redis'], 'three instances on PostgreSQL and Redis', () => {
  let instances: Instances
  let servers: RunningServer[]

  beforeAll(async () => {
    instances = await startInstances({
      redis: true,
      env: { GATEHOUSE_REVOCATION_SYNC_INTERVAL: '250ms', GATEHOUSE_REFRESH_REUSE_GRACE: '2s' },
    })
    servers = instances.servers
    await createUser(servers[0]!, 'alice@example.com')
    await createUser(servers[1]!, 'bob@example.com')
  })

  afterAll(async () => {
    await instances?.stop()
  })

  it('accepts a token issued by one instance on every other', async () => {
    for (const issuer of servers) {
      const tokens = await login(issuer, 'alice@example.com')
      await expectAcceptedEverywhere(servers, tokens.access)
    }
  })

  it("rotates one client's refresh token across instances, one successor per step", async () => {
    let tokens = await login(servers[0]!, 'alice@example.com')
    const spent: string[] = []

    for (let step = 0; step < 12; step += 1) {
      spent.push(tokens.refresh)
      tokens = await refreshOk(servers[step % 3]!, tokens.refresh)
      await expectAcceptedEverywhere([servers[(step + 1) % 3]!], tokens.access)
    }

    const sid = claimsOf(tokens.refresh).sid
    const [row] = await instances.database.query('select refresh_jti from sessions where id = $1', [
      sid,
    ])
    expect(row!.refresh_jti).toBe(claimsOf(tokens.refresh).jti)
    expect(new Set(spent.map((token) => claimsOf(token).jti)).size).toBe(12)
  })

  it('answers 20 simultaneous refreshes over three instances with one successor', async () => {
    const tokens = await login(servers[0]!, 'alice@example.com')

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) => refresh(servers[index % 3]!, tokens.refresh)),
    )

    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200))
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as Tokens[]
    const successors = new Set(bodies.map((body) => body.refresh))
    expect(successors.size).toBe(1)

    const [successor] = [...successors]
    const [row] = await instances.database.query(
      'select refresh_jti, previous_refresh_jti, ended_at from sessions where id = $1',
      [claimsOf(tokens.refresh).sid],
    )
    expect(row).toEqual({
      refresh_jti: claimsOf(successor!).jti,
      previous_refresh_jti: claimsOf(tokens.refresh).jti,
      ended_at: null,
    })
    expect((await refresh(servers[2]!, successor!)).status).toBe(200)
  })

  it('detects reuse on any instance once, and ends the session on all of them', async () => {
    const stolen = await login(servers[0]!, 'bob@example.com')
    const current = await refreshOk(servers[1]!, stolen.refresh)
    const before = eventLines(servers, 'refresh.reuse_detected').length

    // Within the grace period the spent token still answers with its successor.
    const deadline = Date.now() + 10_000
    await pollUntil('the grace period ends', deadline, async () => {
      const response = await refresh(servers[2]!, stolen.refresh)
      if (response.status === 200) {
        expect(((await response.json()) as Tokens).refresh).toBe(current.refresh)
        await sleep(200)
        return false
      }
      await expectError(response, 401, 'token_not_valid')
      return true
    })
    const detectedAt = Date.now()

    const again = await Promise.all(servers.map((server) => refresh(server, stolen.refresh)))
    for (const response of again) await expectError(response, 401, 'token_not_valid')
    await expectError(await refresh(servers[0]!, current.refresh), 401, 'token_not_valid')
    await expectRefusedEverywhere(servers, current.access, detectedAt)
    await pollUntil(
      'the detection is logged',
      Date.now() + 2000,
      async () => eventLines(servers, 'refresh.reuse_detected').length > before,
    )
    expect(eventLines(servers, 'refresh.reuse_detected').length).toBe(before + 1)
  })

  it('reports a reuse caught by several instances at the same moment once', async () => {
    const stolen = await login(servers[0]!, 'bob@example.com')
    await refreshOk(servers[1]!, stolen.refresh)
    await pollUntil('the grace period ends', Date.now() + 10_000, async () => {
      const response = await postJson(servers[0]!, '/accounts/api/token/verify/', {
        token: stolen.refresh,
      })
      if (response.status === 200) await sleep(200)
      return response.status === 401
    })
    const before = eventLines(servers, 'refresh.reuse_detected').length

    const responses = await Promise.all(
      Array.from({ length: 9 }, (_, index) => refresh(servers[index % 3]!, stolen.refresh)),
    )

    for (const response of responses) await expectError(response, 401, 'token_not_valid')
    await sleep(300)
    expect(eventLines(servers, 'refresh.reuse_detected').length).toBe(before + 1)
  })

  it('refuses a logged-out session on every instance within the bound', async () => {
    const tokens = await login(servers[0]!, 'alice@example.com')
    await expectAcceptedEverywhere(servers, tokens.access)

    const response = await postJson(servers[1]!, '/accounts/api/logout/', {}, bearer(tokens.access))
    expect(response.status).toBe(204)
    await expectRefusedEverywhere(servers, tokens.access, Date.now())
    await expectError(await refresh(servers[2]!, tokens.refresh), 401, 'token_not_valid')
  })

  it('ends every session of a user on every instance within the bound (logout all)', async () => {
    const sessions = await Promise.all(servers.map((server) => login(server, 'alice@example.com')))
    for (const tokens of sessions) await expectAcceptedEverywhere(servers, tokens.access)

    const response = await postJson(
      servers[2]!,
      '/accounts/api/logout/',
      { all: true },
      bearer(sessions[0]!.access),
    )
    expect(response.status).toBe(204)
    const endedAt = Date.now()
    for (const tokens of sessions) await expectRefusedEverywhere(servers, tokens.access, endedAt)
  })

  it('catches up an end the fan-out never carried from the database, in the bound', async () => {
    await createUser(servers[0]!, 'carol@example.com')
    const tokens = await login(servers[0]!, 'carol@example.com')
    await expectAcceptedEverywhere(servers, tokens.access)

    // The CLI without the Redis URL ends the sessions and publishes nothing: a lost message.
    const withoutRedis = { ...instances.env }
    delete withoutRedis.GATEHOUSE_REDIS_URL
    const result = await runCli(['deactivate', '--email', 'carol@example.com'], withoutRedis)
    expect(result.code).toBe(0)

    await expectRefusedEverywhere(servers, tokens.access, Date.now())
  })

  it('spreads a CLI key rotation to every instance without refusing a token', async () => {
    const clients = await Promise.all(servers.map((server) => login(server, 'alice@example.com')))
    const oldKid = headerOf(clients[0]!.access).kid
    const failures: string[] = []
    const kidsSeen = new Map<number, unknown>()

    const rotation = runCli(['keys', 'rotate'], instances.env)
    const deadline = Date.now() + 15_000
    let round = 0
    while ([0, 1, 2].some((index) => kidsSeen.get(index) === oldKid || !kidsSeen.has(index))) {
      if (Date.now() > deadline) throw new Error('not every instance signs with the new key')
      round += 1
      for (const [index, client] of clients.entries()) {
        const issuer = (index + round) % 3
        const response = await refresh(servers[issuer]!, client.refresh)
        if (response.status !== 200) failures.push(`refresh on ${issuer}: ${response.status}`)
        if (response.status !== 200) continue
        const next = (await response.json()) as Tokens
        clients[index] = next
        kidsSeen.set(issuer, headerOf(next.access).kid)
        for (const other of [1, 2].map((offset) => (issuer + offset) % 3)) {
          const used = await getProtected(servers[other]!, next.access)
          if (used.status !== 200) failures.push(`token of ${issuer} on ${other}: ${used.status}`)
        }
      }
    }

    expect((await rotation).code).toBe(0)
    expect(failures).toEqual([])
    expect(new Set(kidsSeen.values()).size).toBe(1)
  })
})

describeWithServices(['postgres', 'redis'], 'fan-out through Redis alone', () => {
  let instances: Instances

  beforeAll(async () => {
    // Syncs so rare that only the fan-out can deliver an end within the bound.
    instances = await startInstances({
      redis: true,
      env: { GATEHOUSE_REVOCATION_SYNC_INTERVAL: '60s' },
    })
    await createUser(instances.servers[0]!, 'alice@example.com')
  })

  afterAll(async () => {
    await instances?.stop()
  })

  it('carries a logout to every instance within the bound', async () => {
    const { servers } = instances
    const tokens = await login(servers[0]!, 'alice@example.com')
    await expectAcceptedEverywhere(servers, tokens.access)

    const response = await postJson(servers[2]!, '/accounts/api/logout/', {}, bearer(tokens.access))
    expect(response.status).toBe(204)
    await expectRefusedEverywhere(servers, tokens.access, Date.now())
  })
})

describeWithServices(['postgres'], 'three instances on PostgreSQL without Redis', () => {
  let instances: Instances

  beforeAll(async () => {
    instances = await startInstances({ env: { GATEHOUSE_REVOCATION_SYNC_INTERVAL: '250ms' } })
    await createUser(instances.servers[0]!, 'alice@example.com')
  })

  afterAll(async () => {
    await instances?.stop()
  })

  it('refuses a logged-out session on every instance within the bound, by polling', async () => {
    const { servers } = instances
    const tokens = await login(servers[1]!, 'alice@example.com')
    await expectAcceptedEverywhere(servers, tokens.access)

    const response = await postJson(servers[0]!, '/accounts/api/logout/', {}, bearer(tokens.access))
    expect(response.status).toBe(204)
    await expectRefusedEverywhere(servers, tokens.access, Date.now())
  })

  it('answers 20 simultaneous refreshes over three instances with one successor', async () => {
    const { servers } = instances
    const tokens = await login(servers[0]!, 'alice@example.com')

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) => refresh(servers[index % 3]!, tokens.refresh)),
    )

    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200))
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as Tokens[]
    expect(new Set(bodies.map((body) => body.refresh)).size).toBe(1)
  })
})
