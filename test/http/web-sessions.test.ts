import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  PASSWORD,
  bearer,
  claimsOf,
  createUser,
  expectError,
  getProtected,
  login,
  postJson,
  refresh,
  sleep,
} from '../support/api.js'
import { startServer, type RunningServer } from '../support/server.js'
import {
  SESSION_COOKIE,
  WebClient,
  csrfTokenIn,
  setCookiesOf,
  webLogin,
  withCookie,
} from '../support/web.js'

let server: RunningServer
let userNumber = 0

beforeAll(async () => {
  // A short grace, so that a spent refresh token counts as reused within the test.
  server = await startServer({ env: { GATEHOUSE_REFRESH_REUSE_GRACE: '1s' } })
})

afterAll(async () => {
  await server.stop()
})

const PROFILE = '/accounts/profile/'
const NEW_PASSWORD = 'a brand new passphrase'

/** A user of one's own per test, so that ending all of a user's sessions touches no other test. */
async function freshUser(): Promise<string> {
  userNumber += 1
  const email = `user${userNumber}@example.com`
  await createUser(server, email)
  return email
}

/** What the cookie alone is worth now: on a page and on the API. */
async function expectCookieDead(cookie: string): Promise<void> {
  const page = await withCookie(server, PROFILE, `${SESSION_COOKIE}=${cookie}`)
  expect(page.status).toBe(302)
  const api = await withCookie(server, '/api/protected/', `${SESSION_COOKIE}=${cookie}`)
  await expectError(api, 401, 'not_authenticated')
}

async function expectTokensDead(tokens: { access: string; refresh: string }): Promise<void> {
  await expectError(await getProtected(server, tokens.access), 401, 'token_not_valid')
  await expectError(await refresh(server, tokens.refresh), 401, 'token_not_valid')
}

function listSessions(access: string): Promise<Response> {
  return server.request('/accounts/api/sessions/', { headers: bearer(access) })
}

/** An unsafe API request as a page's script sends it: the cookie and the CSRF header. */
async function apiWithCookie(
  client: WebClient,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const { csrfToken } = await client.openProfile()
  return client.send(path, {
    method,
    headers: { 'x-csrf-token': csrfToken, origin: server.url, ...headers },
  })
}

describe('the session cookie reaches the API (regression 14)', () => {
  it('opens the protected view, privately and uncached', async () => {
    const email = await freshUser()
    const client = await webLogin(server, email)
    const response = await client.get('/api/protected/')

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ message: `Hello ${email}, you are authenticated!` })
    expect(response.headers.get('cache-control')).toBe('private, no-store')
    expect(response.headers.get('vary')).toBe('Cookie')
  })

  it('lists web sessions beside API sessions, for Bearer and cookie alike', async () => {
    const email = await freshUser()
    const client = await webLogin(server, email)
    const tokens = await login(server, email)

    const viaBearer = await listSessions(tokens.access)
    const viaCookie = await client.get('/accounts/api/sessions/')
    const listed = (await viaBearer.json()) as { sessions: Array<Record<string, unknown>> }
    const listedForCookie = (await viaCookie.json()) as typeof listed

    expect(listed.sessions.map((session) => session.kind).sort()).toEqual(['api', 'web'])
    const current = (list: typeof listed) => list.sessions.find((s) => s.current)?.kind
    expect(current(listed)).toBe('api')
    expect(current(listedForCookie)).toBe('web')
  })

  it('needs the CSRF header for an unsafe method with the cookie', async () => {
    const email = await freshUser()
    const client = await webLogin(server, email)

    const bare = await client.send('/accounts/api/logout/', { method: 'POST' })
    await expectError(bare, 403, 'csrf_failed')
    const wrong = await apiWithCookie(client, 'POST', '/accounts/api/logout/', {
      'x-csrf-token': 'not-the-token',
    })
    await expectError(wrong, 403, 'csrf_failed')
    expect((await client.get('/api/protected/')).status).toBe(200)
  })

  it('hands a script the CSRF token in a header, and the token works', async () => {
    const client = await webLogin(server, await freshUser())
    const cookie = client.sessionCookie()
    const greeting = await client.get('/api/protected/')
    const csrfToken = greeting.headers.get('x-csrf-token')

    expect(csrfToken).toBe((await client.openProfile()).csrfToken)
    const response = await client.send('/accounts/api/logout/', {
      method: 'POST',
      headers: { 'x-csrf-token': csrfToken!, origin: server.url, 'sec-fetch-site': 'same-origin' },
    })
    expect(response.status).toBe(204)
    await expectCookieDead(cookie)
  })

  it('sends no CSRF token to a Bearer client', async () => {
    const tokens = await login(server, await freshUser())
    const response = await getProtected(server, tokens.access)
    expect(response.headers.get('x-csrf-token')).toBeNull()
  })

  it('refuses an unsafe cookie request from another site, even with the header', async () => {
    const email = await freshUser()
    const client = await webLogin(server, email)
    const response = await apiWithCookie(client, 'POST', '/accounts/api/logout/', {
      origin: 'https://evil.example',
      'sec-fetch-site': 'cross-site',
    })

    await expectError(response, 403, 'cross_site_request')
    expect((await client.get('/api/protected/')).status).toBe(200)
  })

  it('needs no CSRF header with a Bearer token', async () => {
    const email = await freshUser()
    const tokens = await login(server, email)
    const other = await login(server, email)

    const response = await server.request(`/accounts/api/sessions/${claimsOf(other.access).sid}/`, {
      method: 'DELETE',
      headers: bearer(tokens.access),
    })
    expect(response.status).toBe(204)
  })

  it('takes the Authorization header first: a bad token fails despite a good cookie', async () => {
    const email = await freshUser()
    const client = await webLogin(server, email)
    const response = await client.get('/api/protected/', { authorization: 'Bearer not-a-token' })

    await expectError(response, 401, 'token_not_valid')
  })
})

describe('ending a session from anywhere ends it for cookie and tokens alike', () => {
  it('web logout: the cookie no longer reaches the API', async () => {
    const client = await webLogin(server, await freshUser())
    const cookie = client.sessionCookie()
    const { csrfToken } = await client.openProfile()

    await client.post('/accounts/logout/', { csrf_token: csrfToken })
    await expectCookieDead(cookie)
  })

  it('web "log out everywhere" also ends the API tokens (regression 5)', async () => {
    const email = await freshUser()
    const tokens = await login(server, email)
    const client = await webLogin(server, email)
    const cookie = client.sessionCookie()
    const { csrfToken } = await client.openProfile()

    const response = await client.post('/accounts/logout/', { csrf_token: csrfToken, all: 'true' })
    expect(response.status).toBe(303)
    await expectTokensDead(tokens)
    await expectCookieDead(cookie)
  })

  it("the profile's End button ends an API session and its tokens (regression 5)", async () => {
    const email = await freshUser()
    const tokens = await login(server, email)
    const client = await webLogin(server, email)
    const { page, csrfToken } = await client.openProfile()
    const sessionId = claimsOf(tokens.access).sid as string
    expect(page).toContain(`data-session-id="${sessionId}" data-session-kind="api"`)

    const response = await client.post('/accounts/profile/end-session/', {
      csrf_token: csrfToken,
      session_id: sessionId,
    })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/accounts/profile/?notice=session-ended')
    await expectTokensDead(tokens)

    const after = await (await client.get(response.headers.get('location')!)).text()
    expect(after).not.toContain(sessionId)
    expect(after).toContain('The session has ended.')
  })

  it("the profile refuses to end another user's session", async () => {
    const victim = await login(server, await freshUser())
    const client = await webLogin(server, await freshUser())
    const { csrfToken } = await client.openProfile()

    const response = await client.post('/accounts/profile/end-session/', {
      csrf_token: csrfToken,
      session_id: claimsOf(victim.access).sid as string,
    })
    expect(response.status).toBe(404)
    expect((await getProtected(server, victim.access)).status).toBe(200)
  })

  it('API logout with the cookie ends the web session', async () => {
    const client = await webLogin(server, await freshUser())
    const cookie = client.sessionCookie()

    const response = await apiWithCookie(client, 'POST', '/accounts/api/logout/')
    expect(response.status).toBe(204)
    await expectCookieDead(cookie)
  })

  it('API logout of all sessions with a Bearer token ends the cookie', async () => {
    const email = await freshUser()
    const client = await webLogin(server, email)
    const tokens = await login(server, email)

    const logout = '/accounts/api/logout/'
    const response = await postJson(server, logout, { all: true }, bearer(tokens.access))
    expect(response.status).toBe(204)
    await expectCookieDead(client.sessionCookie())
  })

  it('ending the web session through the API sessions endpoint ends the cookie', async () => {
    const email = await freshUser()
    const client = await webLogin(server, email)
    const tokens = await login(server, email)
    const listed = await listSessions(tokens.access)
    const { sessions } = (await listed.json()) as { sessions: Array<{ id: string; kind: string }> }
    const web = sessions.find((session) => session.kind === 'web')

    const response = await server.request(`/accounts/api/sessions/${web?.id}/`, {
      method: 'DELETE',
      headers: bearer(tokens.access),
    })
    expect(response.status).toBe(204)
    await expectCookieDead(client.sessionCookie())
  })

  it('an API password change ends the web session', async () => {
    const email = await freshUser()
    const client = await webLogin(server, email)
    const tokens = await login(server, email)

    const response = await postJson(
      server,
      '/accounts/api/password/',
      { old_password: PASSWORD, new_password: NEW_PASSWORD },
      bearer(tokens.access),
    )
    expect(response.status).toBe(200)
    await expectCookieDead(client.sessionCookie())
  })

  it('refresh token reuse ends that API session, and the profile no longer lists it', async () => {
    const email = await freshUser()
    const client = await webLogin(server, email)
    const tokens = await login(server, email)
    const sessionId = claimsOf(tokens.access).sid as string
    expect((await client.openProfile()).page).toContain(sessionId)

    expect((await refresh(server, tokens.refresh)).status).toBe(200)
    await sleep(3000)
    await expectError(await refresh(server, tokens.refresh), 401, 'token_not_valid')

    expect((await client.openProfile()).page).not.toContain(sessionId)
  })

  it('deactivating the user from the command line ends the cookie, for good', async () => {
    const email = await freshUser()
    const client = await webLogin(server, email)

    expect((await server.cli(['deactivate', '--email', email])).code).toBe(0)
    await expectCookieDead(client.sessionCookie())
    expect((await server.cli(['activate', '--email', email])).code).toBe(0)
    await expectCookieDead(client.sessionCookie())
  })

  it('a password reset from the command line ends the cookie', async () => {
    const email = await freshUser()
    const client = await webLogin(server, email)

    const command = ['changepassword', '--email', email, '--password-stdin']
    const result = await server.cli(command, NEW_PASSWORD)
    expect(result.code).toBe(0)
    await expectCookieDead(client.sessionCookie())
  })
})

describe('changing the password on the profile page', () => {
  async function changePassword(client: WebClient, fields: Record<string, string>) {
    const { csrfToken } = await client.openProfile()
    return client.post('/accounts/profile/password/', { csrf_token: csrfToken, ...fields })
  }

  it('ends every session, this one too, and continues in a new one with a new cookie', async () => {
    const email = await freshUser()
    const tokens = await login(server, email)
    const other = await webLogin(server, email)
    const client = await webLogin(server, email)
    const before = client.sessionCookie()
    const beforeToken = (await client.openProfile()).csrfToken

    const response = await changePassword(client, {
      current_password: PASSWORD,
      new_password: NEW_PASSWORD,
      confirm_password: NEW_PASSWORD,
    })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/accounts/profile/?notice=password-changed')
    expect(response.headers.get('cache-control')).toBe('private, no-store')
    expect(setCookiesOf(response).map((cookie) => cookie.name)).toEqual([SESSION_COOKIE])

    const after = await (await client.get(response.headers.get('location')!)).text()
    expect(client.sessionCookie()).not.toBe(before)
    expect(csrfTokenIn(after)).not.toBe(beforeToken)
    expect(after).toContain('Your password was changed.')
    await expectCookieDead(before)
    await expectCookieDead(other.sessionCookie())
    await expectTokensDead(tokens)
    expect((await login(server, email, NEW_PASSWORD)).access).toBeTruthy()
  })

  const refusals: Array<[string, Record<string, string>, string]> = [
    [
      'a wrong current password',
      { current_password: 'not it', new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD },
      'The current password is not correct.',
    ],
    [
      'two different new passwords',
      { current_password: PASSWORD, new_password: NEW_PASSWORD, confirm_password: 'other' },
      'The two new passwords differ.',
    ],
    [
      'a missing new password',
      { current_password: PASSWORD },
      'Enter your current password and a new one.',
    ],
  ]
  for (const [name, fields, message] of refusals) {
    it(`refuses ${name} and leaves every session alive`, async () => {
      const email = await freshUser()
      const tokens = await login(server, email)
      const client = await webLogin(server, email)

      const response = await changePassword(client, fields)
      expect(response.status).toBe(400)
      expect(await response.text()).toContain(`role="alert">${message}</div>`)
      expect((await client.get(PROFILE)).status).toBe(200)
      expect((await getProtected(server, tokens.access)).status).toBe(200)
    })
  }

  it("refuses a new password the policy refuses, with the policy's reason", async () => {
    const client = await webLogin(server, await freshUser())
    const response = await changePassword(client, {
      current_password: PASSWORD,
      new_password: 'short',
      confirm_password: 'short',
    })

    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/role="alert">[^<]+<\/div>/)
    expect((await client.get(PROFILE)).status).toBe(200)
  })
})
