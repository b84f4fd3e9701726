import { createHash, randomBytes } from 'node:crypto'

import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PASSWORD, createUser, expectError } from '../support/api.js'
import { settledLogs } from '../support/logs.js'
import { startServer, type RunningServer } from '../support/server.js'
import {
  FORM_TYPE,
  LOGIN_COOKIE,
  SESSION_COOKIE,
  WebClient,
  alertIn,
  csrfTokenIn,
  setCookiesOf,
  webLogin,
  withCookie,
} from '../support/web.js'

let server: RunningServer

beforeAll(async () => {
  server = await startServer()
  await createUser(server, 'alice@example.com')
  await createUser(server, 'bob@example.com')
  await createUser(server, 'sleeping@example.com', PASSWORD, ['--inactive'])
  await createUser(server, 'marked@example.com', PASSWORD, [
    '--username',
    '<script>alert("name")</script>',
  ])
})

afterAll(async () => {
  await server.stop()
})

const LOGIN = '/accounts/login/'
const LOGOUT = '/accounts/logout/'
const PROFILE = '/accounts/profile/'
const LOGIN_FOR_PROFILE = '/accounts/login/?next=%2Faccounts%2Fprofile%2F'

function expectPageHeaders(response: Response): void {
  const csp = response.headers.get('content-security-policy') ?? ''
  expect(csp).toContain("default-src 'none'")
  expect(csp).toContain("frame-ancestors 'none'")
  expect(csp).not.toContain('script-src')
  expect(csp).not.toContain('unsafe-inline')
  expect(response.headers.get('x-frame-options')).toBe('DENY')
  expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  expect(response.headers.get('referrer-policy')).toBe('same-origin')
  expectPrivate(response)
}

function expectPrivate(response: Response): void {
  expect(response.headers.get('cache-control')).toBe('private, no-store')
  expect(response.headers.get('vary')).toBe('Cookie')
}

describe('the login page', () => {
  it('is plain accessible HTML with labels, autocomplete hints and an alert region', async () => {
    const response = await new WebClient(server).get(LOGIN)
    const page = await response.text()

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page).toContain('<html lang="en">')
    expect(page).toContain('<label for="email">Email</label>')
    expect(page).toContain('<label for="password">Password</label>')
    expect(page).toMatch(/<input id="email" name="email" type="email" autocomplete="username"/)
    expect(page).toMatch(/id="password"[^>]*autocomplete="current-password"/)
    expect(page).toContain('role="alert"')
    expect(page).toContain('<link rel="stylesheet" href="/static/gatehouse.css">')
  })

  it('has no inline script or style, and a policy that forbids inline script', async () => {
    const response = await new WebClient(server).get(LOGIN)
    const page = await response.text()

    expect(page).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i)
    expectPageHeaders(response)
  })

  it('puts a CSRF token in the form, bound to an HttpOnly pre-session cookie', async () => {
    const response = await new WebClient(server).get(LOGIN)
    const [cookie, ...others] = setCookiesOf(response)

    expect(others).toEqual([])
    expect(cookie?.name).toBe(LOGIN_COOKIE)
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect([...cookie!.attributes.keys()].sort()).toEqual(['httponly', 'path', 'samesite'])
    expect(cookie?.attributes.get('path')).toBe('/')
    expect(cookie?.attributes.get('samesite')).toBe('Lax')
    expect(csrfTokenIn(await response.text())).not.toBe(cookie?.value)
  })

  it('keeps the pre-session cookie, and so the token, across reloads (several tabs)', async () => {
    const client = new WebClient(server)
    const first = await client.openLoginForm()
    const second = await client.get(LOGIN)

    expect(setCookiesOf(second)).toEqual([])
    expect(csrfTokenIn(await second.text())).toBe(first)
  })

  it('serves its stylesheet as a file', async () => {
    const response = await server.request('/static/gatehouse.css')

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/css; charset=utf-8')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await response.text()).toContain('.alert')
  })

  it('sends a browser with a live session on to the profile', async () => {
    const client = await webLogin(server, 'alice@example.com')
    const response = await client.get(LOGIN)

    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe(PROFILE)
  })
})

describe('logging in through the form', () => {
  it('starts a web session and sends the browser to the profile', async () => {
    const client = new WebClient(server)
    const csrfToken = await client.openLoginForm()
    const response = await client.post(LOGIN, {
      email: 'alice@example.com',
      password: PASSWORD,
      csrf_token: csrfToken,
    })

    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(PROFILE)
    expectPageHeaders(response)

    const profile = await client.get(PROFILE)
    expect(profile.status).toBe(200)
    const page = await profile.text()
    expect(page).toContain('<strong id="signed-in-email">alice@example.com</strong>')
  })

  it('sets an HttpOnly, SameSite=Lax, site-wide cookie and drops the pre-session one', async () => {
    const client = new WebClient(server)
    const response = await client.logIn('alice@example.com')
    const cookies = new Map(setCookiesOf(response).map((cookie) => [cookie.name, cookie]))
    const session = cookies.get(SESSION_COOKIE)

    expect(session?.attributes.has('httponly')).toBe(true)
    expect(session?.attributes.get('samesite')).toBe('Lax')
    expect(session?.attributes.get('path')).toBe('/')
    expect(session?.attributes.has('secure')).toBe(false)
    expect(session?.attributes.has('domain')).toBe(false)
    expect(Number(session?.attributes.get('max-age'))).toBeGreaterThan(0)
    expect(cookies.get(LOGIN_COOKIE)?.attributes.get('max-age')).toBe('0')
    expectPrivate(response)
  })

  it('uses an opaque random id of 256 bits, and storage keeps only its hash', async () => {
    const client = await webLogin(server, 'bob@example.com')
    const cookie = client.sessionCookie()
    const hash = createHash('sha256').update(cookie).digest('base64url')

    expect(Buffer.from(cookie, 'base64url')).toHaveLength(32)
    const database = new Database(server.env.GATEHOUSE_DATABASE_URL!.slice('sqlite:'.length), {
      readonly: true,
    })
    try {
      const rows = database.prepare('SELECT * FROM sessions').all()
      expect(JSON.stringify(rows)).not.toContain(cookie)
      expect(JSON.stringify(rows)).toContain(hash)
    } finally {
      database.close()
    }
  })

  it('shows one message for a wrong password, an unknown email and an inactive user', async () => {
    const client = new WebClient(server)
    const csrfToken = await client.openLoginForm()
    const attempts = [
      { email: 'alice@example.com', password: 'wrong password' },
      { email: 'nobody@example.com', password: PASSWORD },
      { email: 'sleeping@example.com', password: PASSWORD },
    ]

    const answers = []
    for (const attempt of attempts) {
      const response = await client.post(LOGIN, { ...attempt, csrf_token: csrfToken })
      const page = await response.text()
      answers.push({
        status: response.status,
        cookies: setCookiesOf(response),
        page: page.replace(`value="${attempt.email}"`, 'value="(typed email)"'),
      })
    }

    expect(answers[0]?.status).toBe(200)
    expect(alertIn(answers[0]!.page)).toBe('The email or password is not correct.')
    expect(answers[0]?.cookies).toEqual([])
    expect(answers[1]).toEqual(answers[0])
    expect(answers[2]).toEqual(answers[0])
  })

  it('keeps the typed email, escaped, after a failed attempt', async () => {
    const client = new WebClient(server)
    const csrfToken = await client.openLoginForm()
    const email = '"><script>alert(1)</script>@example.com'
    const response = await client.post(LOGIN, { email, password: 'x', csrf_token: csrfToken })
    const page = await response.text()

    expect(page).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.com"')
    expect(page).not.toContain('<script')
  })

  it('asks for both fields when one is missing', async () => {
    const client = new WebClient(server)
    const csrfToken = await client.openLoginForm()
    const response = await client.post(LOGIN, { email: 'alice@example.com', csrf_token: csrfToken })

    expect(response.status).toBe(400)
    expect(alertIn(await response.text())).toBe('Enter your email and password.')
    expect(client.cookies.has(SESSION_COOKIE)).toBe(false)
  })

  it('refuses a field sent twice with 400, not 500', async () => {
    const client = new WebClient(server)
    const csrfToken = await client.openLoginForm()
    const response = await client.send(LOGIN, {
      method: 'POST',
      headers: { 'content-type': FORM_TYPE, origin: server.url },
      body: `email=a%40example.com&email=b%40example.com&password=x&csrf_token=${csrfToken}`,
    })

    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
  })
})

describe('the next parameter', () => {
  async function loginWithNext(next: string): Promise<string | null> {
    const client = new WebClient(server)
    const csrfToken = await client.openLoginForm()
    const response = await client.post(LOGIN, {
      email: 'alice@example.com',
      password: PASSWORD,
      csrf_token: csrfToken,
      next,
    })
    expect(response.status).toBe(303)
    return response.headers.get('location')
  }

  it('returns to a same-origin path after login', async () => {
    expect(await loginWithNext('/api/protected/?format=json#top')).toBe(
      '/api/protected/?format=json#top',
    )
  })

  it('percent-encodes what it keeps, so the Location header is always valid', async () => {
    expect(await loginWithNext('/café/"quoted"')).toBe('/caf%C3%A9/%22quoted%22')
  })

  const unsafe = [
    '//evil.example/',
    '/\\evil.example/',
    '\\\\evil.example',
    'https://evil.example/',
    'http:evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/.//evil.example',
    '/..//evil.example',
    'javascript:alert(1)',
    'evil.example',
    '',
  ]
  for (const next of unsafe) {
    it(`goes to the profile instead of ${JSON.stringify(next)}`, async () => {
      expect(await loginWithNext(next)).toBe(PROFILE)
    })
  }

  it('is carried, escaped, by the login form', async () => {
    const client = new WebClient(server)
    const response = await client.get(`${LOGIN}?next=${encodeURIComponent('/x?a="><b>')}`)
    const page = await response.text()

    expect(page).toContain('<input type="hidden" name="next" value="/x?a=%22%3E%3Cb%3E">')
  })

  it('is dropped from the form when it is not a same-origin path', async () => {
    const client = new WebClient(server)
    const response = await client.get(`${LOGIN}?next=${encodeURIComponent('//evil.example')}`)
    expect(await response.text()).not.toContain('name="next"')
  })
})

describe('login CSRF', () => {
  const credentials = { email: 'alice@example.com', password: PASSWORD }

  async function expectRefused(response: Response, client: WebClient): Promise<void> {
    expect(response.status).toBe(403)
    expect(client.cookies.has(SESSION_COOKIE)).toBe(false)
    const page = await response.text()
    expect(alertIn(page)).not.toBe('')
    // The page offers a fresh form that does work.
    expect(csrfTokenIn(page)).toBeTruthy()
  }

  it('refuses a post without the pre-session cookie', async () => {
    const client = new WebClient(server)
    const csrfToken = await client.openLoginForm()
    client.cookies.delete(LOGIN_COOKIE)

    await expectRefused(await client.post(LOGIN, { ...credentials, csrf_token: csrfToken }), client)
  })

  it('refuses a post without a token, or with a wrong one', async () => {
    const client = new WebClient(server)
    await client.openLoginForm()

    await expectRefused(await client.post(LOGIN, credentials), client)
    const wrong = randomBytes(32).toString('base64url')
    await expectRefused(await client.post(LOGIN, { ...credentials, csrf_token: wrong }), client)
  })

  it("refuses a token from another browser's form", async () => {
    const attacker = new WebClient(server)
    const attackerToken = await attacker.openLoginForm()
    const victim = new WebClient(server)
    await victim.openLoginForm()

    const response = await victim.post(LOGIN, { ...credentials, csrf_token: attackerToken })
    await expectRefused(response, victim)
  })

  const crossSite: Array<Record<string, string>> = [
    { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' },
    { origin: 'null', 'sec-fetch-site': 'cross-site' },
    { origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' },
  ]
  for (const headers of crossSite) {
    it(`refuses a post from another site (${JSON.stringify(headers)})`, async () => {
      const client = new WebClient(server)
      const csrfToken = await client.openLoginForm()
      const response = await client.post(LOGIN, { ...credentials, csrf_token: csrfToken }, headers)
      await expectRefused(response, client)
    })
  }

  it('accepts the form from a client that sends no Origin (not a browser)', async () => {
    const client = new WebClient(server)
    const csrfToken = await client.openLoginForm()
    const response = await client.send(LOGIN, {
      method: 'POST',
      headers: { 'content-type': FORM_TYPE },
      body: new URLSearchParams({ ...credentials, csrf_token: csrfToken }).toString(),
    })
    expect(response.status).toBe(303)
  })
})

describe('logout', () => {
  it('is refused on GET, and the session lives on (regression 15)', async () => {
    const client = await webLogin(server, 'alice@example.com')
    const response = await client.get(LOGOUT)

    await expectError(response, 405, 'method_not_allowed')
    expect(response.headers.get('allow')).toBe('POST, OPTIONS')
    expect((await client.get(PROFILE)).status).toBe(200)
  })

  it('is refused without the CSRF token, or with a wrong one', async () => {
    const client = await webLogin(server, 'alice@example.com')
    const { csrfToken } = await client.openProfile()

    for (const fields of [{}, { csrf_token: csrfToken.slice(1) + 'x' }]) {
      const response = await client.post(LOGOUT, fields)
      expect(response.status).toBe(403)
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    }
    expect((await client.get(PROFILE)).status).toBe(200)
  })

  it('is refused from another site, even with the token', async () => {
    const client = await webLogin(server, 'alice@example.com')
    const { csrfToken } = await client.openProfile()
    const response = await client.post(
      LOGOUT,
      { csrf_token: csrfToken },
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    )

    expect(response.status).toBe(403)
    expect((await client.get(PROFILE)).status).toBe(200)
  })

  it('ends the session with the token: the cookie is cleared and worth nothing after', async () => {
    const client = await webLogin(server, 'alice@example.com')
    const cookie = client.sessionCookie()
    const { csrfToken } = await client.openProfile()

    const response = await client.post(LOGOUT, { csrf_token: csrfToken })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(LOGIN)
    expectPrivate(response)
    const cleared = setCookiesOf(response).find((c) => c.name === SESSION_COOKIE)
    expect(cleared?.attributes.get('max-age')).toBe('0')

    const replay = await withCookie(server, PROFILE, `${SESSION_COOKIE}=${cookie}`)
    expect(replay.status).toBe(302)
    expect(replay.headers.get('location')).toBe(LOGIN_FOR_PROFILE)
  })
})

describe('the profile page', () => {
  it('sends a browser without a session to the login page, to come back after', async () => {
    const response = await server.request(PROFILE)

    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe(LOGIN_FOR_PROFILE)
    expect(setCookiesOf(response)).toEqual([])
  })

  it('is private to the browser that asked, and is not cached', async () => {
    const client = await webLogin(server, 'alice@example.com')
    const response = await client.get(PROFILE)

    expectPageHeaders(response)
    expect(await response.text()).not.toMatch(/<script|<style|\sstyle=/i)
  })

  it('escapes what users control: the username and the user agent', async () => {
    const client = new WebClient(server)
    const csrfToken = await client.openLoginForm()
    await client.post(
      LOGIN,
      { email: 'marked@example.com', password: PASSWORD, csrf_token: csrfToken },
      { 'user-agent': '<img src=x onerror=alert(1)>' },
    )
    const { page } = await client.openProfile()

    expect(page).toContain('(&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;)')
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(page).not.toMatch(/<script|<img/)
  })

  it('answers HEAD without a body', async () => {
    const client = await webLogin(server, 'alice@example.com')
    const response = await client.send(PROFILE, { method: 'HEAD' })

    expect(response.status).toBe(200)
    expect(await response.text()).toBe('')
  })
})

describe('session fixation, field case B26 as a class', () => {
  it('issues no session cookie before login, and a new one at login (S1 != S0)', async () => {
    const client = new WebClient(server)
    await client.openLoginForm()
    expect(client.cookies.has(SESSION_COOKIE)).toBe(false)

    await client.logIn('alice@example.com')
    const first = client.sessionCookie()

    // The same browser, still holding S0, posts a login form it opened in another tab.
    const tab = new WebClient(server)
    const csrfToken = await tab.openLoginForm()
    tab.cookies.set(SESSION_COOKIE, first)
    await tab.post(LOGIN, { email: 'bob@example.com', password: PASSWORD, csrf_token: csrfToken })
    const second = tab.sessionCookie()

    expect(second).not.toBe(first)
    const replay = await withCookie(server, PROFILE, `${SESSION_COOKIE}=${first}`)
    expect(replay.status).toBe(302)
    const { page } = await tab.openProfile()
    expect(page).toContain('bob@example.com')
  })

  const planted = ['attacker-chosen-123', randomBytes(32).toString('base64url')]
  for (const chosen of planted) {
    it(`never adopts an attacker-chosen id (${chosen.length} characters)`, async () => {
      const client = new WebClient(server)
      client.cookies.set(SESSION_COOKIE, chosen)
      await client.logIn('alice@example.com')

      expect(client.sessionCookie()).not.toBe(chosen)
      const replay = await withCookie(server, PROFILE, `${SESSION_COOKIE}=${chosen}`)
      expect(replay.status).toBe(302)
      const api = await withCookie(server, '/api/protected/', `${SESSION_COOKIE}=${chosen}`)
      await expectError(api, 401, 'not_authenticated')
    })
  }

  it('refuses the pre-login CSRF token once logged in (the token rotates at login)', async () => {
    const client = new WebClient(server)
    const preLogin = await client.openLoginForm()
    const fields = { email: 'alice@example.com', password: PASSWORD, csrf_token: preLogin }
    expect((await client.post(LOGIN, fields)).status).toBe(303)
    const { csrfToken } = await client.openProfile()
    expect(csrfToken).not.toBe(preLogin)

    const forms: Array<[string, Record<string, string>]> = [
      ['/accounts/profile/password/', { current_password: PASSWORD, new_password: 'x'.repeat(12) }],
      ['/accounts/profile/end-session/', { session_id: 'whatever' }],
      [LOGOUT, {}],
    ]
    for (const [path, fields] of forms) {
      const response = await client.post(path, { ...fields, csrf_token: preLogin })
      expect(response.status).toBe(403)
    }
    const api = await client.send('/accounts/api/logout/', {
      method: 'POST',
      headers: { 'x-csrf-token': preLogin, origin: server.url },
    })
    await expectError(api, 403, 'csrf_failed')
    expect((await client.get(PROFILE)).status).toBe(200)
  })

  it('leaves the logged-out cookie unauthenticated everywhere', async () => {
    const client = await webLogin(server, 'alice@example.com')
    const cookie = `${SESSION_COOKIE}=${client.sessionCookie()}`
    const { csrfToken } = await client.openProfile()
    await client.post(LOGOUT, { csrf_token: csrfToken })

    expect((await withCookie(server, PROFILE, cookie)).status).toBe(302)
    await expectError(await withCookie(server, '/api/protected/', cookie), 401, 'not_authenticated')
  })
})

describe('malformed session cookies, field case B08', () => {
  async function validCookie(): Promise<string> {
    return (await webLogin(server, 'bob@example.com')).sessionCookie()
  }

  function flipOne(value: string): string {
    const index = Math.floor(value.length / 2)
    const flipped = value[index] === 'A' ? 'B' : 'A'
    return value.slice(0, index) + flipped + value.slice(index + 1)
  }

  const shapes: Array<[string, (valid: string) => string]> = [
    ['empty', () => `${SESSION_COOKIE}=`],
    ['garbage', () => `${SESSION_COOKIE}=garbage`],
    ['percent signs', () => `${SESSION_COOKIE}=%%%E0%A4%A`],
    ['quoted', (valid) => `${SESSION_COOKIE}="${valid}"`],
    ['one character flipped', (valid) => `${SESSION_COOKIE}=${flipOne(valid)}`],
    ['one character longer', (valid) => `${SESSION_COOKIE}=${valid}A`],
    ['very long', () => `${SESSION_COOKIE}=${'A'.repeat(4000)}`],
    ['a name without a value', () => SESSION_COOKIE],
    ['split by a space', (valid) => `${SESSION_COOKIE}=${valid.slice(0, 20)} ${valid.slice(20)}`],
    ['base64 instead of base64url', (valid) => `${SESSION_COOKIE}=${valid.replace(/[-_]/g, '+')}/`],
  ]

  for (const [name, shape] of shapes) {
    it(`treats a ${name} cookie as no session, without 500 or a new session`, async () => {
      const cookie = shape(await validCookie())

      const page = await withCookie(server, PROFILE, cookie)
      expect(page.status).toBe(302)
      expect(page.headers.get('location')).toBe(LOGIN_FOR_PROFILE)
      for (const set of setCookiesOf(page)) expect(set.attributes.get('max-age')).toBe('0')

      const api = await withCookie(server, '/api/protected/', cookie)
      await expectError(api, 401, 'not_authenticated')
      expect(setCookiesOf(api)).toEqual([])

      const logout = await withCookie(server, LOGOUT, cookie, { method: 'POST' })
      expect(logout.status).toBe(303)
      for (const set of setCookiesOf(logout)) expect(set.attributes.get('max-age')).toBe('0')
    })
  }
})

describe('logs', () => {
  it('never hold a session cookie, a CSRF token or a password', async () => {
    const client = new WebClient(server)
    const preLogin = await client.openLoginForm()
    const preLoginCookie = client.cookies.get(LOGIN_COOKIE) as string
    const guess = { email: 'alice@example.com', password: 'a wrong guess', csrf_token: preLogin }
    await client.post(LOGIN, guess)
    await client.logIn('alice@example.com')
    const { csrfToken } = await client.openProfile()
    const logs = (await settledLogs(server)).join('\n')

    expect(logs).toContain('"event":"login.failed"')
    const secrets = [client.sessionCookie(), csrfToken, preLogin, preLoginCookie]
    for (const secret of [...secrets, PASSWORD, 'a wrong guess']) {
      expect(logs).not.toContain(secret)
    }
  })
})
