import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  createClient,
  memoryTokenStore,
  SessionEndedEvent,
  type GatehouseClient,
  type LockManagerLike,
  type TokenStore,
} from '../../dist/client/index.js'
import { PASSWORD, bearer, createUser, expectError, sleep } from '../support/api.js'
import { startServer, type RunningServer } from '../support/server.js'

const EMAIL = 'ada@example.com'
const HOUR = 3_600_000
// Short-lived access tokens and no tolerance: a token past its expiry is refused at once.
const ACCESS_LIFETIME_MILLISECONDS = 2000

let server: RunningServer

beforeAll(async () => {
  server = await startServer({
    env: { GATEHOUSE_ACCESS_TOKEN_LIFETIME: '2s', GATEHOUSE_CLOCK_TOLERANCE: '0s' },
  })
  await createUser(server, EMAIL)
})

afterAll(async () => {
  await server.stop()
})

interface Call {
  path: string
  status: number
}

/** A client whose requests are recorded, with a device clock `offset` from the real one. */
function recordedClient(
  options: { offset?: number; store?: TokenStore; locks?: LockManagerLike } = {},
) {
  const calls: Call[] = []
  const client = createClient({
    authUrl: server.url,
    baseUrl: server.url,
    now: () => Date.now() + (options.offset ?? 0),
    ...(options.store ? { store: options.store } : {}),
    ...(options.locks ? { locks: options.locks } : {}),
    fetch: async (input, init) => {
      const response = await fetch(input, init)
      const url = input instanceof Request ? input.url : String(input)
      calls.push({ path: new URL(url).pathname, status: response.status })
      return response
    },
  })
  return { client, calls }
}

function refreshes(calls: Call[]): number {
  return calls.filter((call) => call.path === '/accounts/api/token/refresh/').length
}

function waitForExpiry(): Promise<void> {
  return sleep(ACCESS_LIFETIME_MILLISECONDS + 600)
}

/** A lock manager shared by "tabs" in one process, granting the lock in request order. */
function sharedLocks(): LockManagerLike {
  let tail: Promise<unknown> = Promise.resolve()
  let holdersAndWaiters = 0
  return {
    request: <T>(
      _name: string,
      options: { ifAvailable?: boolean },
      task: (lock: unknown) => Promise<T>,
    ) => {
      if (options.ifAvailable && holdersAndWaiters > 0) return task(null)

      holdersAndWaiters += 1
      const run = tail.then(() => task({}))
      tail = run
        .catch(() => undefined)
        .then(() => {
          holdersAndWaiters -= 1
        })
      return run
    },
  }
}

/**
 * Two tabs' views of one store as Chromium gives them of `localStorage`: each tab sees its
 * own writes at once and the other tab's a little later, even after the lock has passed.
 */
function laggingViews(lagMilliseconds: number): [TokenStore, TokenStore] {
  const own = [memoryTokenStore(), memoryTokenStore()] as const
  const view = (index: 0 | 1): TokenStore => ({
    load: () => own[index].load(),
    save: (session) => {
      own[index].save(session)
      setTimeout(() => own[1 - index]!.save(session), lagMilliseconds)
    },
  })
  return [view(0), view(1)]
}

describe('the client', () => {
  it('logs in and adds the access token to requests', async () => {
    const { client } = recordedClient()
    await client.login(EMAIL, PASSWORD)

    const response = await client.fetch('/api/protected/')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ message: `Hello ${EMAIL}, you are authenticated!` })
  })

  it('rejects a wrong password with the documented code', async () => {
    const { client } = recordedClient()
    await expect(client.login(EMAIL, 'wrong password')).rejects.toMatchObject({
      status: 401,
      code: 'invalid_credentials',
    })
    expect(client.isLoggedIn).toBe(false)
  })

  it('does not refresh a fresh token when the device clock runs an hour ahead', async () => {
    const { client, calls } = recordedClient({ offset: HOUR })
    await client.login(EMAIL, PASSWORD)

    for (let round = 0; round < 5; round += 1) {
      expect((await client.fetch('/api/protected/')).status).toBe(200)
    }
    expect(refreshes(calls)).toBe(0)
  })

  it('refreshes before the server refuses, when the device clock runs an hour behind', async () => {
    const { client, calls } = recordedClient({ offset: -HOUR })
    await client.login(EMAIL, PASSWORD)
    await waitForExpiry()

    expect((await client.fetch('/api/protected/')).status).toBe(200)
    expect(calls.slice(1)).toEqual([
      { path: '/accounts/api/token/refresh/', status: 200 },
      { path: '/api/protected/', status: 200 },
    ])
  })

  it('sends one refresh however many requests wait for it', async () => {
    const { client, calls } = recordedClient()
    await client.login(EMAIL, PASSWORD)
    await waitForExpiry()

    const responses = await Promise.all(
      Array.from({ length: 10 }, () => client.fetch('/api/protected/')),
    )
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200))
    expect(refreshes(calls)).toBe(1)
  })

  it('sends one refresh for tabs that share the tokens and the lock', async () => {
    const store = memoryTokenStore()
    const locks = sharedLocks()
    const first = recordedClient({ store, locks })
    const second = recordedClient({ store, locks })
    await first.client.login(EMAIL, PASSWORD)
    await waitForExpiry()

    const tabs = [first.client, second.client, first.client, second.client]
    const responses = await Promise.all(tabs.map((client) => client.fetch('/api/protected/')))
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200])
    expect(refreshes(first.calls) + refreshes(second.calls)).toBe(1)
  })

  it('sends one refresh when the other tab sees the new pair after the lock', async () => {
    const [firstView, secondView] = laggingViews(50)
    const locks = sharedLocks()
    const first = recordedClient({ store: firstView, locks })
    const second = recordedClient({ store: secondView, locks })
    await first.client.login(EMAIL, PASSWORD)
    await waitForExpiry()

    const tabs = [first.client, second.client]
    const responses = await Promise.all(tabs.map((client) => client.fetch('/api/protected/')))
    expect(responses.map((response) => response.status)).toEqual([200, 200])
    expect(refreshes(first.calls) + refreshes(second.calls)).toBe(1)
  })

  it('tells when the session has ended elsewhere and the refresh is refused', async () => {
    const { client, calls } = recordedClient()
    const ended: string[] = []
    client.addEventListener('sessionended', (event) =>
      ended.push((event as SessionEndedEvent).reason),
    )
    await client.login(EMAIL, PASSWORD)

    const deviceList = await client.fetch('/accounts/api/sessions/')
    const { sessions } = (await deviceList.json()) as {
      sessions: Array<{ id: string; current: boolean }>
    }
    const current = sessions.find((session) => session.current)!
    await server.request(`/accounts/api/sessions/${current.id}/`, {
      method: 'DELETE',
      headers: bearer((await loginElsewhere()).access),
    })

    const response = await client.fetch('/api/protected/')
    await expectError(response, 401, 'token_not_valid')
    expect(ended).toEqual(['refresh_refused'])
    expect(client.isLoggedIn).toBe(false)
    expect(refreshes(calls)).toBe(1)
  })

  it('logs out: the server ends the session and the client forgets its tokens', async () => {
    const { client } = recordedClient()
    const ended: string[] = []
    client.addEventListener('sessionended', (event) =>
      ended.push((event as SessionEndedEvent).reason),
    )
    await client.login(EMAIL, PASSWORD)
    const access = (await client.accessToken())!

    await client.logout()
    expect(ended).toEqual(['logout'])
    expect(client.isLoggedIn).toBe(false)
    await expectError(
      await server.request('/api/protected/', { headers: bearer(access) }),
      401,
      'token_not_valid',
    )
  })
})

async function loginElsewhere() {
  const other: GatehouseClient = recordedClient().client
  await other.login(EMAIL, PASSWORD)
  return { access: (await other.accessToken())! }
}
