import type { AddressInfo } from 'node:net'

import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'

import { parseSettings } from '../../src/config/load.js'
import type { Clock } from '../../src/core/clock.js'
import { Gatehouse } from '../../src/gatehouse.js'
import { buildServer } from '../../src/http/server.js'
import { openStorage } from '../../src/storage/open.js'
import type { UserRecord } from '../../src/storage/types.js'
import { SteppedClock } from '../support/stepped-clock.js'

let app: FastifyInstance | undefined
let gatehouse: Gatehouse | undefined

afterEach(async () => {
  await app?.close()
  await gatehouse?.close()
})

async function serve(options: {
  clock?: Clock
  accessTokenClaims?: (user: UserRecord) => Record<string, unknown>
}) {
  const settings = parseSettings({ GATEHOUSE_DATABASE_URL: 'sqlite::memory:' })
  const storage = await openStorage(settings.databaseUrl, { migrate: true })
  gatehouse = new Gatehouse({ settings, storage, ...options })
  await gatehouse.load()
  await gatehouse.accounts.createUser({ email: 'alice@example.com', password: 'a long passphrase' })

  app = buildServer(gatehouse)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

  const post = async (path: string, body: unknown) => {
    const response = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: response.status, body: (await response.json()) as Record<string, string> }
  }
  const login = () =>
    post('/accounts/api/token/', { email: 'alice@example.com', password: 'a long passphrase' })
  return { url, post, login }
}

describe('the grace period, on a frozen clock', () => {
  it('answers the same successor up to the last second of grace, and ends the session after', async () => {
    const clock = new SteppedClock()
    const { post, login } = await serve({ clock })
    const first = (await login()).body
    const second = (await post('/accounts/api/token/refresh/', { refresh: first.refresh })).body

    clock.advanceSeconds(10)
    const retry = await post('/accounts/api/token/refresh/', { refresh: first.refresh })
    expect(retry.status).toBe(200)
    expect(retry.body.refresh).toBe(second.refresh)

    clock.advanceSeconds(1)
    const late = await post('/accounts/api/token/refresh/', { refresh: first.refresh })
    expect(late.status).toBe(401)
    expect(late.body).toEqual({ detail: 'Token is invalid or expired', code: 'token_not_valid' })
    expect((await post('/accounts/api/token/refresh/', { refresh: second.refresh })).status).toBe(
      401,
    )
  })

  it('refuses an access token past its lifetime plus the clock tolerance', async () => {
    const clock = new SteppedClock()
    const { url, login } = await serve({ clock })
    const { access } = (await login()).body
    const call = () =>
      fetch(`${url}/api/protected/`, { headers: { authorization: `Bearer ${access}` } })

    clock.advanceSeconds(15 * 60 + 4)
    expect((await call()).status).toBe(200)
    clock.advanceSeconds(1)
    expect((await call()).status).toBe(401)
  })
})

describe('the access claims hook', () => {
  it('adds application claims built from the user as they are now, without overriding ours', async () => {
    const { login } = await serve({
      accessTokenClaims: (user) => ({ email: user.email, staff: user.isStaff, user_id: 999 }),
    })
    const { access } = (await login()).body
    const claims = JSON.parse(Buffer.from(access!.split('.')[1]!, 'base64url').toString())

    expect(claims).toMatchObject({ email: 'alice@example.com', staff: false, user_id: 1 })
  })
})
