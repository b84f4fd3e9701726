import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { claimsOf, createUser, getProtected, login, refresh, sleep } from '../support/api.js'
import { TEST_KEY, nowSeconds, resigned, type Json } from '../support/jwt.js'
import { startServer, type RunningServer } from '../support/server.js'

/** GATEHOUSE_CLOCK_TOLERANCE's default: the documented leeway L. */
const L = 5

describe('time claims of tokens signed with the deployment key (B10 steps 1 to 3)', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({ env: { GATEHOUSE_SIGNING_KEY: TEST_KEY } })
    await createUser(server, 'alice@example.com')
  })

  afterAll(async () => {
    await server.stop()
  })

  /** Each case gets a fresh session, so an accepted refresh cannot spend another's token. */
  async function answers(change: (now: number, claims: Json) => Json) {
    const tokens = await login(server, 'alice@example.com')
    const now = nowSeconds()
    const access = resigned(tokens.access, { payload: change(now, claimsOf(tokens.access)) })
    const refreshed = resigned(tokens.refresh, { payload: change(now, claimsOf(tokens.refresh)) })

    return {
      access: (await getProtected(server, access)).status,
      refresh: (await refresh(server, refreshed)).status,
    }
  }

  const refused: Array<[string, (now: number, claims: Json) => Json]> = [
    ['exp an hour ago', (now) => ({ exp: now - 3600 })],
    ['exp just past the leeway', (now) => ({ exp: now - (L + 5) })],
    ['exp missing', () => ({ exp: undefined })],
    ['exp as a string', () => ({ exp: '9999999999' })],
    ['exp null', () => ({ exp: null })],
    ['exp as a float', (_now, claims) => ({ exp: (claims.exp as number) + 0.5 })],
    ['exp far in the future', () => ({ exp: 9_999_999_999 })],
    ['exp beyond any date', () => ({ exp: 1e300 })],
    ['exp in milliseconds', (_now, claims) => ({ exp: (claims.exp as number) * 1000 })],
    ['exp negative', () => ({ exp: -1 })],
    ['nbf an hour ahead', (now) => ({ nbf: now + 3600 })],
    ['nbf as a string', (now) => ({ nbf: String(now) })],
    ['nbf null', () => ({ nbf: null })],
    ['iat an hour ahead', (now) => ({ iat: now + 3600 })],
    ['iat missing', () => ({ iat: undefined })],
    ['iat as a string (regression 3)', (now) => ({ iat: String(now) })],
    ['iat zero', () => ({ iat: 0 })],
    ['a lifetime longer than the server issues', (now) => ({ iat: now - 10, exp: now + 10 ** 7 })],
  ]

  for (const [name, change] of refused) {
    it(`refuses access and refresh tokens with ${name}`, async () => {
      expect(await answers(change)).toEqual({ access: 401, refresh: 401 })
    })
  }

  const withinLeeway: Array<[string, (now: number) => Json]> = [
    ['nbf 3 seconds ahead', (now) => ({ nbf: now + 3 })],
    ['iat 3 seconds ahead', (now) => ({ iat: now + 3 })],
    ['nbf now', (now) => ({ nbf: now })],
  ]

  for (const [name, change] of withinLeeway) {
    it(`accepts access and refresh tokens with ${name}, within the leeway`, async () => {
      expect(await answers(change)).toEqual({ access: 200, refresh: 200 })
    })
  }
})

describe('short-lived tokens expire on the server (B10 step 4)', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({
      env: {
        GATEHOUSE_ACCESS_TOKEN_LIFETIME: '2s',
        GATEHOUSE_REFRESH_TOKEN_LIFETIME: '5s',
        GATEHOUSE_CLOCK_TOLERANCE: '1s',
      },
    })
    await createUser(server, 'alice@example.com')
  })

  afterAll(async () => {
    await server.stop()
  })

  it('refuses the access token after lifetime and leeway, then the refresh token', async () => {
    const tokens = await login(server, 'alice@example.com')
    expect((await getProtected(server, tokens.access)).status).toBe(200)

    // Lifetime 2 s plus leeway 1 s plus one second of margin.
    await sleep(4_000)
    expect((await getProtected(server, tokens.access)).status).toBe(401)

    // Lifetime 5 s plus leeway 1 s plus one second of margin, counted from the login.
    await sleep(3_000)
    expect((await refresh(server, tokens.refresh)).status).toBe(401)
  })
})
