import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PASSWORD, bearer, claimsOf, expectError, postJson, type Tokens } from '../support/api.js'
import { FRAMEWORKS, startHostApp, type RunningHostApp } from '../support/host-app.js'
import { SESSION_COOKIE, WebClient, csrfTokenIn } from '../support/web.js'

const EMAIL = 'ada@example.com'

async function login(host: RunningHostApp): Promise<Tokens> {
  const response = await postJson(host, '/auth/accounts/api/token/', {
    email: EMAIL,
    password: PASSWORD,
  })
  expect(response.status).toBe(200)
  return (await response.json()) as Tokens
}

// One suite that every adapter runs: each host application is the framework's own, with
// Gatehouse mounted under /auth from the built package.
describe.each(FRAMEWORKS)('the %s adapter', (framework) => {
  let host: RunningHostApp

  beforeAll(async () => {
    host = await startHostApp(framework)
    const created = await host.cli(['createuser', '--email', EMAIL, '--password-stdin'], PASSWORD)
    expect(created.code).toBe(0)
  })

  afterAll(async () => {
    await host.stop()
  })

  describe('mounted routes', () => {
    it('logs in under the mount prefix, with and without the trailing slash', async () => {
      for (const path of ['/auth/accounts/api/token/', '/auth/accounts/api/token']) {
        const response = await postJson(host, path, { email: EMAIL, password: PASSWORD })

        expect(response.status).toBe(200)
        expect(response.headers.get('cache-control')).toBe('no-store')
        expect(Object.keys(await response.json()).sort()).toEqual(['access', 'refresh'])
      }
    })

    it('answers wrong credentials with the documented body and no challenge', async () => {
      const response = await postJson(host, '/auth/accounts/api/token/', {
        email: EMAIL,
        password: 'not the password',
      })

      expect(response.status).toBe(401)
      expect(await response.json()).toEqual({
        error: 'Invalid credentials',
        detail: 'Invalid credentials',
        code: 'invalid_credentials',
      })
    })

    it('refuses a number where the email belongs, whatever the host parses', async () => {
      const response = await postJson(host, '/auth/accounts/api/token/', { email: 1, password: 2 })
      await expectError(response, 400, 'invalid_request')
    })

    it('refreshes through the mounted route, rotating the refresh token', async () => {
      const tokens = await login(host)
      const response = await postJson(host, '/auth/accounts/api/token/refresh/', {
        refresh: tokens.refresh,
      })

      expect(response.status).toBe(200)
      const next = (await response.json()) as Tokens
      expect(next.refresh).not.toBe(tokens.refresh)
      expect((await host.request('/api/me', { headers: bearer(next.access) })).status).toBe(200)
    })

    it("records the client's address and user agent for the list of devices", async () => {
      const response = await postJson(
        host,
        '/auth/accounts/api/token/',
        { email: EMAIL, password: PASSWORD },
        { 'user-agent': 'adapter-test/1.0' },
      )
      const tokens = (await response.json()) as Tokens
      const list = await host.request('/auth/accounts/api/sessions/', {
        headers: bearer(tokens.access),
      })
      const { sessions } = (await list.json()) as { sessions: Array<Record<string, unknown>> }
      const current = sessions.find((session) => session.current)

      expect(current).toMatchObject({ client_ip: '127.0.0.1', user_agent: 'adapter-test/1.0' })
    })

    it('answers an unknown path under the prefix with Gatehouse 404 body', async () => {
      await expectError(await host.request('/auth/no/such/path/'), 404, 'not_found')
    })

    it('answers a body over the limit with 413 from Gatehouse itself', async () => {
      const response = await postJson(host, '/auth/accounts/api/token/', {
        email: EMAIL,
        password: 'x'.repeat(64 * 1024),
      })
      await expectError(response, 413, 'payload_too_large')
    })

    it('serves the public keys under the prefix', async () => {
      const response = await host.request('/auth/.well-known/jwks.json')
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ keys: [] })
    })

    it('leaves the application own routes and body parsing alone', async () => {
      expect(await (await host.request('/open')).json()).toEqual({ open: true })
      const echoed = await postJson(host, '/echo', { any: ['json', 1] })
      expect(await echoed.json()).toEqual({ echoed: { any: ['json', 1] } })
    })
  })

  describe('the guard for the application routes', () => {
    it('answers 401 not_authenticated with a challenge when no credential is sent', async () => {
      const response = await host.request('/api/me')

      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api"')
      expect(await response.clone().json()).toEqual({
        detail: 'Authentication credentials were not provided.',
        code: 'not_authenticated',
      })
      await expectError(response, 401, 'not_authenticated')
    })

    it('answers 401 token_not_valid with error="invalid_token" for a bad token', async () => {
      for (const header of ['Bearer not-a-token', 'Basic abc', 'Bearer']) {
        const response = await host.request('/api/me', { headers: { authorization: header } })

        expect(response.headers.get('www-authenticate')).toBe(
          'Bearer realm="api", error="invalid_token"',
        )
        await expectError(response, 401, 'token_not_valid')
      }
    })

    it('puts the user and the session on the request for a valid access token', async () => {
      const tokens = await login(host)
      const response = await host.request('/api/me', {
        headers: { authorization: `bearer  ${tokens.access}` },
      })

      expect(response.status).toBe(200)
      const auth = (await response.json()) as Record<string, any>
      expect(auth.credential).toBe('bearer')
      expect(auth.user).toEqual({
        id: 1,
        email: EMAIL,
        username: null,
        isStaff: false,
        isSuperuser: false,
      })
      expect(auth.session).toMatchObject({ id: claimsOf(tokens.access).sid, kind: 'api' })
      expect(JSON.stringify(auth)).not.toContain('argon2')
    })

    it('lets an unsafe method through with a Bearer token and no CSRF token', async () => {
      const tokens = await login(host)
      const response = await postJson(host, '/api/notes', { text: 'hello' }, bearer(tokens.access))

      expect(response.status).toBe(201)
      expect(await response.json()).toEqual({ note: 'hello', by: EMAIL })
    })

    it('refuses the access token of a session ended through the mounted logout', async () => {
      const tokens = await login(host)
      const logout = await host.request('/auth/accounts/api/logout/', {
        method: 'POST',
        headers: bearer(tokens.access),
      })
      expect(logout.status).toBe(204)

      await expectError(
        await host.request('/api/me', { headers: bearer(tokens.access) }),
        401,
        'token_not_valid',
      )
    })

    it('refuses the access token of a user switched off from the CLI', async () => {
      const email = 'grace@example.com'
      await host.cli(['createuser', '--email', email, '--password-stdin'], PASSWORD)
      const response = await postJson(host, '/auth/accounts/api/token/', {
        email,
        password: PASSWORD,
      })
      const tokens = (await response.json()) as Tokens

      expect((await host.cli(['deactivate', '--email', email])).code).toBe(0)
      await expectError(
        await host.request('/api/me', { headers: bearer(tokens.access) }),
        401,
        'token_not_valid',
      )
    })
  })

  describe('the session cookie on the application routes', () => {
    /** A browser logged in through Gatehouse's mounted login page. */
    async function browser(): Promise<WebClient> {
      const client = new WebClient(host)
      const page = await (await client.get('/auth/accounts/login/')).text()
      expect(page).toContain('action="/auth/accounts/login/"')

      const response = await client.post('/auth/accounts/login/', {
        email: EMAIL,
        password: PASSWORD,
        csrf_token: csrfTokenIn(page),
      })
      expect(response.status).toBe(303)
      expect(response.headers.get('location')).toBe('/auth/accounts/profile/')
      expect(client.cookies.has(SESSION_COOKIE)).toBe(true)
      return client
    }

    function note(client: WebClient, headers: Record<string, string>) {
      return client.send('/api/notes', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: host.url, ...headers },
        body: JSON.stringify({ text: 'from the browser' }),
      })
    }

    it('puts the user on the request with the CSRF token, and keeps the answer private', async () => {
      const client = await browser()
      const response = await client.get('/api/me')

      expect(response.status).toBe(200)
      expect(response.headers.get('cache-control')).toBe('private, no-store')
      expect(response.headers.get('vary')).toContain('Cookie')
      const auth = (await response.json()) as Record<string, any>
      expect(auth.credential).toBe('cookie')
      expect(auth.user.email).toBe(EMAIL)
      expect(auth.session.kind).toBe('web')
      expect(auth.csrfToken).toEqual(expect.any(String))
      expect(response.headers.get('x-csrf-token')).toBe(auth.csrfToken)
    })

    it('refuses an unsafe method without the CSRF token, or from another origin', async () => {
      const client = await browser()
      const { csrfToken } = (await (await client.get('/api/me')).json()) as { csrfToken: string }

      await expectError(await note(client, {}), 403, 'csrf_failed')
      await expectError(await note(client, { 'x-csrf-token': 'wrong' }), 403, 'csrf_failed')
      const crossSite = await note(client, {
        'x-csrf-token': csrfToken,
        origin: 'http://evil.example',
      })
      await expectError(crossSite, 403, 'cross_site_request')

      const accepted = await note(client, { 'x-csrf-token': csrfToken })
      expect(accepted.status).toBe(201)
    })

    it('lets the Authorization header decide alone, and needs no CSRF token with it', async () => {
      const client = await browser()
      const tokens = await login(host)

      expect((await note(client, bearer(tokens.access))).status).toBe(201)
      await expectError(await note(client, bearer('not-a-token')), 401, 'token_not_valid')
    })

    it('refuses the cookie once the web session has ended', async () => {
      const client = await browser()
      const cookie = `${SESSION_COOKIE}=${client.sessionCookie()}`
      expect((await host.request('/api/me', { headers: { cookie } })).status).toBe(200)
      const profile = await (await client.get('/auth/accounts/profile/')).text()
      const logout = await client.post('/auth/accounts/logout/', {
        csrf_token: csrfTokenIn(profile),
      })
      expect(logout.status).toBe(303)

      await expectError(
        await host.request('/api/me', { headers: { cookie } }),
        401,
        'not_authenticated',
      )
      expect(client.cookies.has(SESSION_COOKIE)).toBe(false)
    })
  })
})
