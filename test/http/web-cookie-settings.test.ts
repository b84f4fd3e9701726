import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PASSWORD, bearer, createUser, login, sleep } from '../support/api.js'
import { startServer, type RunningServer } from '../support/server.js'
import {
  SESSION_COOKIE,
  WebClient,
  csrfTokenIn,
  setCookiesOf,
  webLogin,
  type SetCookie,
} from '../support/web.js'

const PROFILE = '/accounts/profile/'
const EMAIL = 'alice@example.com'

describe('secure cookies behind a TLS proxy', () => {
  let server: RunningServer
  let untrusting: RunningServer

  beforeAll(async () => {
    server = await startServer({
      env: { GATEHOUSE_SECURE_COOKIES: 'true', GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1' },
    })
    await createUser(server, EMAIL)
    // The same deployment, but the proxy in front of it is not the one it trusts.
    untrusting = await startServer({
      shareWith: server,
      env: { GATEHOUSE_TRUSTED_PROXIES: '192.0.2.1' },
    })
  })

  afterAll(async () => {
    await untrusting.stop()
    await server.stop()
  })

  const https = { 'x-forwarded-proto': 'https' }
  const httpsOrigin = () => ({ origin: server.url.replace('http:', 'https:') })

  function expectSecure(cookie: SetCookie | undefined, name: string): void {
    expect(cookie?.name).toBe(name)
    expect(cookie?.attributes.has('secure')).toBe(true)
    expect(cookie?.attributes.get('path')).toBe('/')
    expect(cookie?.attributes.has('domain')).toBe(false)
    expect(cookie?.attributes.has('httponly')).toBe(true)
  }

  async function loginThrough(target: RunningServer, headers: Record<string, string>) {
    const form = await target.request('/accounts/login/', { headers: https })
    const [loginCookie] = setCookiesOf(form)
    expectSecure(loginCookie, '__Host-gatehouse_csrf')

    return target.request('/accounts/login/', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `${loginCookie?.name}=${loginCookie?.value}`,
        'sec-fetch-site': 'same-origin',
        ...headers,
      },
      body: new URLSearchParams({
        email: EMAIL,
        password: PASSWORD,
        csrf_token: csrfTokenIn(await form.text()),
      }).toString(),
    })
  }

  it('sets Secure, __Host- prefixed cookies, and logs in from the https origin', async () => {
    const response = await loginThrough(server, { ...https, ...httpsOrigin() })
    expect(response.status).toBe(303)

    const session = setCookiesOf(response).find((cookie) => cookie.name.includes('session'))
    expectSecure(session, '__Host-gatehouse_session')
    const profile = await server.request(PROFILE, {
      headers: { ...https, cookie: `__Host-gatehouse_session=${session?.value}` },
    })
    expect(profile.status).toBe(200)
  })

  it('ignores the session id under a name without the prefix', async () => {
    const response = await loginThrough(server, { ...https, ...httpsOrigin() })
    const session = setCookiesOf(response).find((cookie) => cookie.name.includes('session'))

    const profile = await server.request(PROFILE, {
      headers: { ...https, cookie: `gatehouse_session=${session?.value}` },
    })
    expect(profile.status).toBe(302)
  })

  it('refuses an https origin on a request that came over plain http', async () => {
    const response = await loginThrough(server, httpsOrigin())
    expect(response.status).toBe(403)
    expect(setCookiesOf(response).some((cookie) => cookie.name.includes('session'))).toBe(false)
  })

  it('believes X-Forwarded-Proto only from a trusted proxy', async () => {
    const response = await loginThrough(untrusting, { ...https, ...httpsOrigin() })
    expect(response.status).toBe(403)
  })
})

describe('idle timeout', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({ env: { GATEHOUSE_WEB_SESSION_IDLE_TIMEOUT: '6s' } })
    await createUser(server, EMAIL)
  })

  afterAll(async () => {
    await server.stop()
  })

  it('keeps a session in use past the timeout, and ends one left idle', async () => {
    const client = await webLogin(server, EMAIL)
    const tokens = await login(server, EMAIL)

    // Used every 1.5 s for longer than the timeout: its last use keeps moving.
    for (let step = 0; step < 6; step += 1) {
      await sleep(1500)
      expect((await client.get(PROFILE)).status).toBe(200)
    }

    await sleep(7500)
    expect((await client.get(PROFILE)).status).toBe(302)
    const listed = await server.request('/accounts/api/sessions/', {
      headers: bearer(tokens.access),
    })
    const { sessions } = (await listed.json()) as { sessions: Array<{ kind: string }> }
    expect(sessions.map((session) => session.kind)).toEqual(['api'])
  })
})

describe('absolute lifetime', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({ env: { GATEHOUSE_SESSION_LIFETIME: '4s' } })
    await createUser(server, EMAIL)
  })

  afterAll(async () => {
    await server.stop()
  })

  it('ends a session at its absolute lifetime, however busy it is', async () => {
    const client = await webLogin(server, EMAIL)
    expect((await client.get(PROFILE)).status).toBe(200)

    for (let step = 0; step < 6; step += 1) {
      await sleep(1000)
      await client.get(PROFILE)
    }
    expect((await client.get(PROFILE)).status).toBe(302)
  })

  it('gives the cookie a Max-Age no longer than the session', async () => {
    const client = new WebClient(server)
    const response = await client.logIn(EMAIL)
    const session = setCookiesOf(response).find((cookie) => cookie.name === SESSION_COOKIE)
    const maxAge = Number(session?.attributes.get('max-age'))

    expect(maxAge).toBeGreaterThan(0)
    expect(maxAge).toBeLessThanOrEqual(4)
  })
})
