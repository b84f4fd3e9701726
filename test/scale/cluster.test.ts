import { afterAll, beforeAll, expect, it } from 'vitest'

import {
  bearer,
  createUser,
  expectError,
  getProtected,
  login,
  postJson,
  refresh,
  type Tokens,
} from '../support/api.js'
import { REVOCATION_BOUND_MILLISECONDS, pollUntil } from '../support/instances.js'
import { eventLines } from '../support/logs.js'
import { createTestDatabase, type TestDatabase } from '../support/postgres.js'
import { runCli, startServer, type RunningServer } from '../support/server.js'
import { describeWithServices } from '../support/services.js'

function workerPids(server: RunningServer, event: string): number[] {
  return eventLines(server, event).map((line) => (JSON.parse(line) as { pid: number }).pid)
}

const CLUSTER_TRIES = 4
const TRY_TIMEOUT_MILLISECONDS = 5_000

/**
 * A refresh sent again when a try fails or goes unanswered, as a client with a request
 * timeout would. A kept-alive connection the killed worker held dies with it; a new
 * connection the primary handed to it in the instant it died is never answered (node:cluster
 * round-robin). A try the dead worker answered but could not send is repeated within the
 * reuse grace, which answers with the same successor.
 */
async function refreshThroughCluster(server: RunningServer, token: string): Promise<Response> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await server.request('/accounts/api/token/refresh/', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh: token }),
        signal: AbortSignal.timeout(TRY_TIMEOUT_MILLISECONDS),
      })
    } catch (error) {
      if (attempt === CLUSTER_TRIES) throw error
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

it('refuses serve --workers on SQLite with one line naming the fix', async () => {
  const result = await runCli(['serve', '--workers', '2'], {
    GATEHOUSE_DATABASE_URL: 'sqlite::memory:',
    GATEHOUSE_PORT: '0',
  })

  expect(result.code).toBe(78)
  expect(result.stdout).toBe('')
  expect(result.stderr.trim().split('\n')).toHaveLength(1)
  expect(result.stderr).toContain('--workers')
  expect(result.stderr).toContain('GATEHOUSE_DATABASE_URL=postgres://')
})

describeWithServices(['postgres'], 'serve --workers on PostgreSQL', () => {
  let database: TestDatabase
  let server: RunningServer

  beforeAll(async () => {
    database = await createTestDatabase()
    server = await startServer({
      env: { GATEHOUSE_DATABASE_URL: database.url, GATEHOUSE_REVOCATION_SYNC_INTERVAL: '250ms' },
      args: ['--workers', '3'],
    })
    await createUser(server, 'alice@example.com')
  })

  afterAll(async () => {
    await server?.stop()
    await database?.drop()
  })

  it('announces the server once all three workers listen on one port', () => {
    const listening = workerPids(server, 'worker.listening')
    expect(new Set(listening).size).toBe(3)
    expect(listening).not.toContain(server.pid)
  })

  it('shares sessions between the workers: one successor, logout felt by all', async () => {
    const tokens = await login(server, 'alice@example.com')
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => refresh(server, tokens.refresh)),
    )
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200))
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as Tokens[]
    expect(new Set(bodies.map((body) => body.refresh)).size).toBe(1)

    const access = bodies[0]!.access
    const loggedOut = await postJson(server, '/accounts/api/logout/', {}, bearer(access))
    expect(loggedOut.status).toBe(204)
    const deadline = Date.now() + REVOCATION_BOUND_MILLISECONDS
    // Several requests in a row, so each worker is asked (connections are spread round-robin).
    await pollUntil('every worker refuses the session', deadline, async () => {
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          getProtected(server, access).then((response) => response.status),
        ),
      )
      return answers.every((status) => status === 401)
    })
    await expectError(await getProtected(server, access), 401, 'token_not_valid')
  })

  it('replaces a worker killed with SIGKILL and keeps serving meanwhile', async () => {
    const [victim] = workerPids(server, 'worker.listening')
    const tokens = await login(server, 'alice@example.com')
    process.kill(victim!, 'SIGKILL')

    let current = tokens
    await pollUntil('a replacement worker listens', Date.now() + 20_000, async () => {
      const response = await refreshThroughCluster(server, current.refresh)
      expect(response.status).toBe(200)
      current = (await response.json()) as Tokens
      return workerPids(server, 'worker.listening').length === 4
    })
    expect(workerPids(server, 'worker.exited')).toEqual([victim])
    expect((await getProtected(server, current.access)).status).toBe(200)
  })

  it('stops every worker when the primary is told to stop', async () => {
    const workers = workerPids(server, 'worker.listening').filter(isRunning)
    expect(workers).toHaveLength(3)

    await server.stop()
    await pollUntil('every worker has exited', Date.now() + 10_000, async () =>
      workers.every((pid) => !isRunning(pid)),
    )
  })
})
