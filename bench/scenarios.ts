import type autocannon from 'autocannon'

import { loginBody, startSessions, type TokenPair } from './fixtures.js'
import { runLoad, type LoadResult } from './load.js'
import { runProcess } from './processes.js'

/** How long and how wide each measurement is; the same for a target and its baseline. */
export interface LoadShape {
  seconds: number
  connections: { protected: number; login: number; refresh: number }
  users: number
}

/** Where a server listens, and its process when the bench should watch its CPU time. */
export interface Server {
  url: string
  pid?: number
}

const JSON_HEADERS = { 'content-type': 'application/json' }

/**
 * GET /api/protected/ with a Bearer token per connection. Run against the bare baseline
 * too, with the same tokens, so both get byte-for-byte the same requests.
 */
export function measureProtected(server: Server, sessions: TokenPair[], shape: LoadShape) {
  return runLoad({
    url: `${server.url}/api/protected/`,
    serverPid: server.pid,
    connections: shape.connections.protected,
    seconds: shape.seconds,
    setupConnection: (client, index) => {
      const pair = sessions[index % sessions.length] as TokenPair
      client.setHeaders({ authorization: `Bearer ${pair.access}` })
    },
  })
}

/** Correct-password logins, each connection as one of the bench users. */
export function measureLogins(server: Server, shape: LoadShape): Promise<LoadResult> {
  return runLoad({
    url: `${server.url}/accounts/api/token/`,
    serverPid: server.pid,
    connections: shape.connections.login,
    seconds: shape.seconds,
    method: 'POST',
    setupConnection: (client, index) => {
      client.setHeadersAndBody(JSON_HEADERS, loginBody(index % shape.users))
    },
  })
}

/**
 * Token requests per client address allowed in a minute by default is 600. A refresh
 * connection moves to a fresh address (see client-addresses.ts) before it reaches that.
 */
const REFRESHES_PER_ADDRESS = 500

/**
 * Rotating refreshes: each connection holds one session and always presents the refresh
 * token it was given last, as a well-behaved client does. Sessions are started afresh for
 * each run, because a run cut off mid-request leaves a spent token behind.
 */
export async function measureRefreshes(server: Server, shape: LoadShape): Promise<LoadResult> {
  const sessions = await startSessions(server.url, shape.users, shape.connections.refresh)

  return runLoad({
    url: `${server.url}/accounts/api/token/refresh/`,
    serverPid: server.pid,
    connections: shape.connections.refresh,
    seconds: shape.seconds,
    method: 'POST',
    requestsPerConnection: REFRESHES_PER_ADDRESS,
    setupConnection: (client, index) => {
      const session = { refresh: (sessions[index] as TokenPair).refresh }
      client.setRequests([rotatingRefreshRequest(session)])
    },
  })
}

function rotatingRefreshRequest(session: { refresh: string }): autocannon.Request {
  return {
    method: 'POST',
    path: '/accounts/api/token/refresh/',
    headers: JSON_HEADERS,
    setupRequest: (request) => ({ ...request, body: JSON.stringify({ refresh: session.refresh }) }),
    onResponse: (status, body) => {
      if (status === 200) session.refresh = (JSON.parse(body) as TokenPair).refresh
    },
  }
}

/** Protected requests while logins hash at full speed beside them. */
export async function measureStorm(server: Server, sessions: TokenPair[], shape: LoadShape) {
  const [protectedLoad, logins] = await Promise.all([
    measureProtected(server, sessions, shape),
    measureLogins({ url: server.url }, shape),
  ])
  return { protected: protectedLoad, logins }
}

export interface HashingResult {
  perSecond: number
}

/** argon2id on all cores in a process of its own; see raw-hashing.ts. */
export async function measureRawHashing(
  parameters: { memoryKib: number; iterations: number; parallelism: number },
  seconds: number,
): Promise<HashingResult> {
  const output = await runProcess(['.bench/build/bench/raw-hashing.js'], {
    PATH: process.env.PATH ?? '',
    BENCH_HASH_PARAMETERS: JSON.stringify(parameters),
    BENCH_SECONDS: String(seconds),
  })
  const { verified, seconds: elapsed } = JSON.parse(output) as { verified: number; seconds: number }
  return { perSecond: verified / elapsed }
}
