import { afterAll, beforeAll, expect, it } from 'vitest'

import { claimsOf, createUser, login, refresh, type Tokens } from '../support/api.js'
import { startInstances, type Instances } from '../support/instances.js'
import type { RunningServer } from '../support/server.js'
import { describeWithServices } from '../support/services.js'

const CLIENTS = 12
const REFRESHES_ON_VICTIM_BEFORE_KILL = 40
/** Refreshes each client makes on the survivors after the kill. */
const AFTER_KILL = 8

interface SessionRow extends Record<string, unknown> {
  id: string
  refresh_jti: string
  ended_at: number | null
}

/** What one client saw during the storm. */
interface Client {
  tokens: Tokens
  /** Answers from the instances that were never killed that were not a 200. */
  survivorFailures: string[]
  refreshesAfterKill: number
}

describeWithServices(['postgres', 'redis'], 'an instance killed during a refresh storm', () => {
  let instances: Instances
  let survivors: RunningServer[]
  let victim: RunningServer
  let clients: Client[]
  let killed = false
  // Refreshes outstanding on the victim when it was killed.
  let outstandingAtKill = 0
  // Every successor handed out, by the token that was presented for it.
  const successors = new Map<string, Set<string>>()

  beforeAll(async () => {
    instances = await startInstances({ redis: true })
    const [first, second, third] = instances.servers
    survivors = [first!, second!]
    victim = third!

    await createUser(first!, 'storm@example.com')
    clients = []
    for (let index = 0; index < CLIENTS; index += 1) {
      const tokens = await login(instances.servers[index % 3]!, 'storm@example.com')
      clients.push({ tokens, survivorFailures: [], refreshesAfterKill: 0 })
    }

    await runStorm()
  })

  afterAll(async () => {
    await instances?.stop()
  })

  /**
   * Each client refreshes in a loop over all three instances. Once the victim has served
   * enough, it is killed the moment at least two refreshes are outstanding on it, so some
   * clients cannot know whether their rotation was committed.
   */
  async function runStorm(): Promise<void> {
    let victimRefreshes = 0
    let victimOutstanding = 0

    const step = async (client: Client, server: RunningServer) => {
      const presented = client.tokens.refresh
      const atVictim = server === victim
      if (atVictim) victimOutstanding += 1
      const sent = refresh(server, presented)
      if (atVictim && shouldKill(victimRefreshes, victimOutstanding)) {
        killed = true
        outstandingAtKill = victimOutstanding
        setImmediate(() => process.kill(victim.pid, 'SIGKILL'))
      }

      let response: Response
      try {
        response = await sent
      } catch (error) {
        if (!atVictim) client.survivorFailures.push(`network: ${String(error)}`)
        return
      } finally {
        if (atVictim) victimOutstanding -= 1
      }
      if (response.status !== 200) {
        if (!atVictim) client.survivorFailures.push(`status ${response.status}`)
        return
      }

      client.tokens = (await response.json()) as Tokens
      const jti = claimsOf(presented).jti as string
      successors.set(jti, (successors.get(jti) ?? new Set()).add(client.tokens.refresh))
      if (atVictim) victimRefreshes += 1
    }

    await Promise.all(clients.map((client, index) => storm(client, index, step)))
  }

  function shouldKill(victimRefreshes: number, outstanding: number): boolean {
    return !killed && victimRefreshes >= REFRESHES_ON_VICTIM_BEFORE_KILL && outstanding >= 2
  }

  async function storm(
    client: Client,
    offset: number,
    step: (client: Client, server: RunningServer) => Promise<void>,
  ): Promise<void> {
    for (let round = offset; client.refreshesAfterKill < AFTER_KILL; round += 1) {
      if (round > offset + 5000) throw new Error('the victim was never killed')
      const pool = killed ? survivors : instances.servers
      if (killed) client.refreshesAfterKill += 1
      await step(client, pool[round % pool.length]!)
    }
  }

  it('killed the victim while refreshes on it were in flight', () => {
    expect(killed).toBe(true)
    expect(outstandingAtKill).toBeGreaterThanOrEqual(2)
    expect(() => process.kill(victim.pid, 0)).toThrow()
  })

  it('never stopped serving on the other instances', () => {
    for (const client of clients) expect(client.survivorFailures).toEqual([])
  })

  it('handed out one successor for every refresh token presented, however often', () => {
    const forked = [...successors.entries()].filter(([, next]) => next.size > 1)
    expect(forked).toEqual([])
    expect(successors.size).toBeGreaterThan(REFRESHES_ON_VICTIM_BEFORE_KILL)
  })

  it("leaves every client's last good refresh token working, on a live session", async () => {
    for (const [index, client] of clients.entries()) {
      const response = await refresh(survivors[index % 2]!, client.tokens.refresh)
      expect(response.status).toBe(200)
      client.tokens = (await response.json()) as Tokens
    }

    const rows = await instances.database.query<SessionRow>(
      'select id, refresh_jti, ended_at from sessions',
    )
    expect(rows).toHaveLength(CLIENTS)
    const bySession = new Map(rows.map((row) => [row.id, row]))
    for (const client of clients) {
      const claims = claimsOf(client.tokens.refresh)
      expect(bySession.get(claims.sid as string)).toEqual({
        id: claims.sid,
        refresh_jti: claims.jti,
        ended_at: null,
      })
    }
  })
})
