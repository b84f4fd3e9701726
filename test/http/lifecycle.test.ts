import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  PASSWORD,
  bearer,
  claimsOf,
  createUser,
  eventually,
  expectError,
  getProtected,
  login,
  postJson,
  refresh,
  sleep,
  type Tokens,
  refreshOk,
} from '../support/api.js'
import { eventLines } from '../support/logs.js'
import { startServer, type RunningServer } from '../support/server.js'

let server: RunningServer

beforeAll(async () => {
  server = await startServer()
  for (const name of ['alice', 'bob', 'dora', 'erin', 'fred', 'gina', 'hugo']) {
    await createUser(server, `${name}@example.com`)
  }
})

afterAll(async () => {
  await server.stop()
})

describe('refresh rotation', () => {
  it('spends the presented refresh token and returns a new pair', async () => {
    const first = await login(server, 'alice@example.com')
    const second = await refreshOk(server, first.refresh)

    expect(second.refresh).not.toBe(first.refresh)
    expect(claimsOf(second.refresh).sid).toBe(claimsOf(first.refresh).sid)
    expect((await getProtected(server, second.access)).status).toBe(200)
    expect((await refresh(server, second.refresh)).status).toBe(200)
  })

  it('builds each access token afresh instead of copying refresh claims (regression 6)', async () => {
    const first = await login(server, 'alice@example.com')
    await sleep(1100)
    const second = await refreshOk(server, first.refresh)
    const access = claimsOf(second.access)

    expect(access.iat).toBeGreaterThan(claimsOf(first.refresh).iat as number)
    expect(access.jti).not.toBe(claimsOf(first.refresh).jti)
    expect(access.token_type).toBe('access')
    expect((access.exp as number) - (access.iat as number)).toBe(15 * 60)
  })

  it('answers a spent token within the grace period with the same successor', async () => {
    const first = await login(server, 'alice@example.com')
    const second = await refreshOk(server, first.refresh)
    const retried = await refreshOk(server, first.refresh)

    expect(retried.refresh).toBe(second.refresh)
    expect((await getProtected(server, retried.access)).status).toBe(200)
  })

  it('gives twenty simultaneous refreshes one successor, all answered 200 (B15)', async () => {
    const first = await login(server, 'bob@example.com')
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => refresh(server, first.refresh)),
    )
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as Tokens[]

    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200))
    const successors = new Set(bodies.map((body) => body.refresh))
    expect(successors.size).toBe(1)

    const [successor] = [...successors] as [string]
    expect((await refresh(server, successor)).status).toBe(200)
  })
})

describe('reuse detection', () => {
  it('ends the whole session when a spent token comes back after the grace period (B14)', async () => {
    const short = await startServer({ env: { GATEHOUSE_REFRESH_REUSE_GRACE: '1s' } })
    try {
      await createUser(short, 'alice@example.com')
      const first = await login(short, 'alice@example.com')
      const secondResponse = await refresh(short, first.refresh)
      const second = (await secondResponse.json()) as Tokens
      await sleep(2200)

      await expectError(await refresh(short, first.refresh), 401, 'token_not_valid')
      await expectError(await refresh(short, second.refresh), 401, 'token_not_valid')
      await expectError(await getProtected(short, second.access), 401, 'token_not_valid')
      // The server writes its log asynchronously: the line may trail the response a little.
      for (
        let wait = 0;
        wait < 50 && eventLines(short, 'refresh.reuse_detected').length === 0;
        wait += 1
      )
        await sleep(100)
      expect(short.logs.join('\n')).toContain('"event":"refresh.reuse_detected"')
    } finally {
      await short.stop()
    }
  })

  it('refuses a refresh token two generations old', async () => {
    const first = await login(server, 'alice@example.com')
    const second = await refreshOk(server, first.refresh)
    const third = await refreshOk(server, second.refresh)

    await expectError(await refresh(server, first.refresh), 401, 'token_not_valid')
    await expectError(await getProtected(server, third.access), 401, 'token_not_valid')
  })
})

describe('without rotation (GATEHOUSE_ROTATE_REFRESH_TOKENS=false)', () => {
  it("keeps simplejwt's reusable refresh token", async () => {
    const plain = await startServer({ env: { GATEHOUSE_ROTATE_REFRESH_TOKENS: 'false' } })
    try {
      await createUser(plain, 'alice@example.com')
      const first = await login(plain, 'alice@example.com')
      for (let round = 0; round < 3; round += 1) {
        const response = await refresh(plain, first.refresh)
        expect(response.status).toBe(200)
        expect(((await response.json()) as Tokens).refresh).toBe(first.refresh)
      }
    } finally {
      await plain.stop()
    }
  })
})

describe('logout', () => {
  it('ends this session: its access and refresh tokens are refused at once', async () => {
    const session = await login(server, 'dora@example.com')
    const other = await login(server, 'dora@example.com')

    const response = await server.request('/accounts/api/logout/', {
      method: 'POST',
      headers: bearer(session.access),
    })
    expect(response.status).toBe(204)
    await expectError(await getProtected(server, session.access), 401, 'token_not_valid')
    await expectError(await refresh(server, session.refresh), 401, 'token_not_valid')
    expect((await getProtected(server, other.access)).status).toBe(200)
  })

  it('with {"all": true} ends every session of the user and no one else\'s', async () => {
    const first = await login(server, 'erin@example.com')
    const second = await login(server, 'erin@example.com')
    const stranger = await login(server, 'alice@example.com')

    const response = await postJson(
      server,
      '/accounts/api/logout/',
      { all: true },
      bearer(first.access),
    )
    expect(response.status).toBe(204)
    for (const tokens of [first, second]) {
      await expectError(await getProtected(server, tokens.access), 401, 'token_not_valid')
      await expectError(await refresh(server, tokens.refresh), 401, 'token_not_valid')
    }
    expect((await getProtected(server, stranger.access)).status).toBe(200)
  })

  it('ends the session of a refresh token through the blacklist endpoint (B14 step 5)', async () => {
    const first = await login(server, 'alice@example.com')
    const second = await refreshOk(server, first.refresh)

    const response = await postJson(server, '/accounts/api/token/blacklist/', {
      refresh: second.refresh,
    })
    expect(response.status).toBe(200)
    await expectError(await refresh(server, second.refresh), 401, 'token_not_valid')
    await expectError(await getProtected(server, second.access), 401, 'token_not_valid')
  })

  it('needs a Bearer token', async () => {
    const response = await server.request('/accounts/api/logout/', { method: 'POST' })
    await expectError(response, 401, 'not_authenticated')
  })
})

describe('verify', () => {
  it('applies revocation, unlike simplejwt', async () => {
    const tokens = await login(server, 'alice@example.com')
    const verify = (token: string) => postJson(server, '/accounts/api/token/verify/', { token })

    expect((await verify(tokens.access)).status).toBe(200)
    expect((await verify(tokens.refresh)).status).toBe(200)
    await postJson(server, '/accounts/api/logout/', {}, bearer(tokens.access))

    await expectError(await verify(tokens.access), 401, 'token_not_valid')
    await expectError(await verify(tokens.refresh), 401, 'token_not_valid')
    await expectError(await verify('garbage'), 401, 'token_not_valid')
  })
})

describe('password change (B17)', () => {
  const change = (access: string, oldPassword: string, newPassword: string) =>
    postJson(
      server,
      '/accounts/api/password/',
      { old_password: oldPassword, new_password: newPassword },
      bearer(access),
    )

  it('leaves everything working when the current password is wrong', async () => {
    const device1 = await login(server, 'fred@example.com')
    const device2 = await login(server, 'fred@example.com')

    await expectError(
      await change(device1.access, 'not it', 'a brand new passphrase'),
      400,
      'invalid_old_password',
    )
    expect((await getProtected(server, device2.access)).status).toBe(200)
    expect((await refresh(server, device2.refresh)).status).toBe(200)
  })

  it('refuses a new password the policy refuses, with its own code', async () => {
    const device = await login(server, 'fred@example.com')
    await expectError(await change(device.access, PASSWORD, 'short'), 400, 'password_too_short')
    await expectError(
      await change(device.access, PASSWORD, '1234567890123'),
      400,
      'password_entirely_numeric',
    )
  })

  it('ends every session and answers with a fresh pair', async () => {
    const device1 = await login(server, 'gina@example.com')
    const device2 = await login(server, 'gina@example.com')
    const newPassword = 'an entirely new passphrase'

    const response = await change(device1.access, PASSWORD, newPassword)
    expect(response.status).toBe(200)
    const fresh = (await response.json()) as Tokens

    for (const old of [device1, device2]) {
      await expectError(await getProtected(server, old.access), 401, 'token_not_valid')
      await expectError(await refresh(server, old.refresh), 401, 'token_not_valid')
    }
    expect((await getProtected(server, fresh.access)).status).toBe(200)
    const oldLogin = await postJson(server, '/accounts/api/token/', {
      email: 'gina@example.com',
      password: PASSWORD,
    })
    await expectError(oldLogin, 401, 'invalid_credentials')
    await login(server, 'gina@example.com', newPassword)
  })
})

describe('sessions of a user', () => {
  it("lists the live sessions and marks the caller's", async () => {
    const mine = await login(server, 'hugo@example.com')
    await login(server, 'hugo@example.com')

    const response = await server.request('/accounts/api/sessions/', {
      headers: bearer(mine.access),
    })
    expect(response.status).toBe(200)
    const { sessions } = (await response.json()) as { sessions: Array<Record<string, unknown>> }

    expect(sessions.length).toBeGreaterThanOrEqual(2)
    const current = sessions.filter((session) => session.current)
    expect(current.map((session) => session.id)).toEqual([claimsOf(mine.access).sid])
    for (const field of ['created_at', 'last_used_at', 'user_agent', 'client_ip', 'kind']) {
      expect(sessions[0]).toHaveProperty(field)
    }
  })

  it("ends one of the caller's own sessions and nobody else's", async () => {
    const mine = await login(server, 'hugo@example.com')
    const myOther = await login(server, 'hugo@example.com')
    const stranger = await login(server, 'alice@example.com')
    const remove = (id: unknown) =>
      server.request(`/accounts/api/sessions/${String(id)}/`, {
        method: 'DELETE',
        headers: bearer(mine.access),
      })

    await expectError(await remove(claimsOf(stranger.access).sid), 404, 'session_not_found')
    expect((await getProtected(server, stranger.access)).status).toBe(200)
    await expectError(await remove('no-such-session-id-at-all'), 404, 'session_not_found')

    expect((await remove(claimsOf(myOther.access).sid)).status).toBe(204)
    await expectError(await getProtected(server, myOther.access), 401, 'token_not_valid')
    expect((await getProtected(server, mine.access)).status).toBe(200)
  })
})

describe('administration through the CLI', () => {
  it('deactivation kills tokens and refresh; reactivation does not revive them (B18)', async () => {
    await createUser(server, 'ivan@example.com')
    const tokens = await login(server, 'ivan@example.com')

    expect((await server.cli(['deactivate', '--email', 'ivan@example.com'])).code).toBe(0)
    expect(
      await eventually(async () => (await getProtected(server, tokens.access)).status === 401),
    ).toBe(true)
    await expectError(await refresh(server, tokens.refresh), 401, 'token_not_valid')
    const denied = await postJson(server, '/accounts/api/token/', {
      email: 'ivan@example.com',
      password: PASSWORD,
    })
    await expectError(denied, 401, 'invalid_credentials')

    expect((await server.cli(['activate', '--email', 'ivan@example.com'])).code).toBe(0)
    await expectError(await refresh(server, tokens.refresh), 401, 'token_not_valid')
    await login(server, 'ivan@example.com')
  })

  it('deletion kills tokens and refresh (regression 4)', async () => {
    await createUser(server, 'judy@example.com')
    const tokens = await login(server, 'judy@example.com')

    expect((await server.cli(['deleteuser', '--email', 'judy@example.com'])).code).toBe(0)
    expect(
      await eventually(async () => (await getProtected(server, tokens.access)).status === 401),
    ).toBe(true)
    await expectError(await refresh(server, tokens.refresh), 401, 'token_not_valid')
  })

  it("changepassword ends all of the user's sessions", async () => {
    await createUser(server, 'kate@example.com')
    const tokens = await login(server, 'kate@example.com')

    const result = await server.cli(
      ['changepassword', '--email', 'kate@example.com', '--password-stdin'],
      'kate has a new passphrase',
    )
    expect(result.code).toBe(0)
    expect(
      await eventually(async () => (await getProtected(server, tokens.access)).status === 401),
    ).toBe(true)
    await expectError(await refresh(server, tokens.refresh), 401, 'token_not_valid')
    await login(server, 'kate@example.com', 'kate has a new passphrase')
  })
})

describe('absolute session lifetime (B14 step 6)', () => {
  it('stops refreshing once the session lifetime is over, however often it was refreshed', async () => {
    const brief = await startServer({
      env: { GATEHOUSE_SESSION_LIFETIME: '3s', GATEHOUSE_CLOCK_TOLERANCE: '0s' },
    })
    try {
      await createUser(brief, 'alice@example.com')
      let tokens = await login(brief, 'alice@example.com')
      const statuses: number[] = []
      for (let round = 0; round < 5; round += 1) {
        await sleep(1000)
        const response = await refresh(brief, tokens.refresh)
        statuses.push(response.status)
        if (response.status === 200) tokens = (await response.json()) as Tokens
      }
      expect(statuses[0]).toBe(200)
      expect(statuses.at(-1)).toBe(401)
    } finally {
      await brief.stop()
    }
  })
})
