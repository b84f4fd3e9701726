import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { claimsOf, createUser, login, postJson, postRaw, type Tokens } from '../support/api.js'
import { TEST_KEY, b64u, resigned } from '../support/jwt.js'
import { startServer, type RunningServer } from '../support/server.js'
import { SESSION_COOKIE, webLogin } from '../support/web.js'

let server: RunningServer
let alice: Tokens
let other: Tokens

beforeAll(async () => {
  server = await startServer({ env: { GATEHOUSE_SIGNING_KEY: TEST_KEY } })
  await createUser(server, 'alice@example.com')
  alice = await login(server, 'alice@example.com')
  other = await login(server, 'alice@example.com')
})

afterAll(async () => {
  await server.stop()
})

function withAuthorization(value: string | undefined, path = '/api/protected/') {
  const headers: Record<string, string> = value === undefined ? {} : { authorization: value }
  return server.request(path, { headers })
}

/** The generic error: 400 or 401, the documented body, no trace of internals, no cookie. */
async function expectGenericRefusal(response: Response): Promise<void> {
  expect([400, 401]).toContain(response.status)
  expect(response.headers.get('set-cookie')).toBeNull()
  const body = (await response.json()) as Record<string, unknown>
  expect(Object.keys(body).sort()).toEqual(['code', 'detail'])
  expect(JSON.stringify(body)).not.toMatch(/at \w+ \(|node_modules|Error:|stack/i)
}

describe('the Authorization header is parsed as RFC 9110 says (B12)', () => {
  it('accepts the scheme in any case and one or more spaces before the token', async () => {
    for (const value of [
      `bearer ${alice.access}`,
      `BEARER ${alice.access}`,
      `Bearer  ${alice.access}`,
      `bEaReR ${alice.access}`,
    ]) {
      const response = await withAuthorization(value)
      expect(response.status, value.slice(0, 8)).toBe(200)
    }
  })

  it('refuses other schemes, a missing token, junk around the token and two tokens', async () => {
    const values = [
      `Basic ${alice.access}`,
      `Token ${alice.access}`,
      `JWT ${alice.access}`,
      `Bearer:${alice.access}`,
      `Bearer,${alice.access}`,
      'Bearer',
      'Bearer ',
      `Bearer ${alice.access} junk`,
      `Bearer ${alice.access},Bearer ${other.access}`,
      `Bearer ${alice.access}, Bearer ${other.access}`,
      `Bearer "${alice.access}"`,
      `Bearer\t${alice.access}`,
      `${alice.access}`,
      `Bearer Bearer ${alice.access}`,
      '',
    ]
    for (const value of values) {
      const response = await withAuthorization(value)
      expect(response.status, JSON.stringify(value.slice(0, 20))).toBe(401)
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="api"/)
    }
  })

  it('never takes the token from the query string or a form field', async () => {
    const response = await server.request(`/api/protected/?access_token=${alice.access}`)
    expect(response.status).toBe(401)
    expect(((await response.json()) as { code: string }).code).toBe('not_authenticated')

    const posted = await server.request(`/api/protected/?access_token=${alice.access}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${alice.access}`,
    })
    expect(posted.status).not.toBe(200)
  })
})

describe('garbage tokens and cookies give the generic error, never 500 (B08)', () => {
  const header = b64u({ alg: 'HS256', typ: 'JWT' })
  const garbage = [
    'abc',
    'a.b',
    'a.b.c.d',
    '..',
    '...',
    '.',
    `${b64u('hello')}.${b64u('{}')}.x`,
    `${header}.${b64u('[]')}.x`,
    `${header}.${b64u('null')}.x`,
    `${header}.${b64u('1')}.x`,
    `${header}.${b64u('"str"')}.x`,
    `${b64u({ alg: 256, typ: 'JWT' })}.${b64u({})}.x`,
    `${b64u({ alg: null })}.${b64u({})}.x`,
    `${b64u({ alg: ['HS256'] })}.${b64u({})}.x`,
    'a*b.c*d.e*f',
    'a%2Eb.c%00d.e',
    `${header}.${Buffer.from([0xff, 0xfe]).toString('base64url')}.x`,
    `${header}.${b64u('{"__proto__":{"admin":true}}')}.x`,
    `${header}.${b64u('{"constructor":{"prototype":{"admin":true}}}')}.x`,
    'x'.repeat(5000),
    `${'a'.repeat(3000)}.${'b'.repeat(3000)}.c`,
  ]

  it('answers each garbage Bearer token with 401 token_not_valid', async () => {
    for (const token of garbage) {
      const response = await withAuthorization(`Bearer ${token}`)
      expect(response.status, token.slice(0, 40)).toBe(401)
      await expectGenericRefusal(response)
    }
  })

  it('answers each garbage refresh, verify and blacklist body with 400 or 401', async () => {
    const bodies: unknown[] = [
      ...garbage.map((token) => ({ refresh: token, token })),
      { refresh: 123, token: 123 },
      { refresh: null, token: null },
      { refresh: ['x'], token: ['x'] },
      { refresh: { $ne: '' }, token: { $ne: '' } },
      {},
      [],
      'refresh',
      null,
    ]
    const paths = ['refresh', 'verify', 'blacklist'].map((name) => `/accounts/api/token/${name}/`)

    for (const path of paths) {
      for (const body of bodies) await expectGenericRefusal(await postJson(server, path, body))
      const notJson = await postRaw(server, path, 'application/json', '{"refresh": ')
      await expectGenericRefusal(notJson)
    }
  })

  it('refuses an access token as a refresh token and the reverse', async () => {
    await expectGenericRefusal(
      await postJson(server, '/accounts/api/token/refresh/', { refresh: alice.access }),
    )
    const response = await withAuthorization(`Bearer ${alice.refresh}`)
    expect(response.status).toBe(401)
  })

  it('answers garbage session cookies without a 500 and without creating a session', async () => {
    const fresh = await login(server, 'alice@example.com')
    const cookies = [
      'sessionid=',
      'sessionid=garbage',
      `sessionid=${fresh.access}`,
      'sessionid=%00%ff',
      `sessionid=${'x'.repeat(4000)}`,
      'gatehouse_session=',
      'gatehouse_session=garbage',
      'csrftoken=x; sessionid=y; gatehouse_session=z',
      '=; ;;; =x',
    ]
    for (const path of ['/api/protected/', '/accounts/profile/', '/accounts/login/']) {
      for (const cookie of cookies) {
        const response = await server.request(path, { headers: { cookie } })
        expect(response.status, `${path} ${cookie.slice(0, 30)}`).toBeLessThan(500)
        // A page may tell the browser to drop a bad session cookie, never set one.
        for (const line of response.headers.getSetCookie()) {
          if (!/^[^=]*session[^=]*=/i.test(line)) continue
          expect(line, `${path} ${cookie.slice(0, 30)}`).toMatch(/^[^=]+=;.*Max-Age=0/i)
        }
      }
    }
  })
})

describe('a web session cookie with one character changed (B08)', () => {
  it('is refused like no cookie: a redirect to the login page, no new session', async () => {
    const browser = await webLogin(server, 'alice@example.com')
    const cookie = browser.sessionCookie()
    const control = await server.request('/accounts/profile/', {
      headers: { cookie: `${SESSION_COOKIE}=${cookie}` },
    })
    expect(control.status).toBe(200)

    for (const index of [0, 20, cookie.length - 1]) {
      const original = cookie[index] as string
      const flipped =
        cookie.slice(0, index) + (original === 'A' ? 'B' : 'A') + cookie.slice(index + 1)
      for (const path of ['/accounts/profile/', '/api/protected/']) {
        const response = await server.request(path, {
          headers: { cookie: `${SESSION_COOKIE}=${flipped}` },
        })
        expect(response.status, path).toBeLessThan(500)
        expect(response.status, path).not.toBe(200)
        for (const line of response.headers.getSetCookie()) {
          expect(line).not.toMatch(new RegExp(`^${SESSION_COOKIE}=[^;]+`))
        }
      }
    }
  })
})

describe('a token for another issuer or audience is refused', () => {
  let strict: RunningServer
  let tokens: Tokens

  beforeAll(async () => {
    strict = await startServer({
      env: {
        GATEHOUSE_SIGNING_KEY: TEST_KEY,
        GATEHOUSE_ISSUER: 'https://auth.example.test',
        GATEHOUSE_AUDIENCE: 'gatehouse-tests',
      },
    })
    await createUser(strict, 'alice@example.com')
    tokens = await login(strict, 'alice@example.com')
  })

  afterAll(async () => {
    await strict.stop()
  })

  function status(token: string) {
    return strict
      .request('/api/protected/', { headers: { authorization: `Bearer ${token}` } })
      .then((response) => response.status)
  }

  it('issues tokens naming its issuer and audience and accepts them (control)', async () => {
    expect(claimsOf(tokens.access)).toMatchObject({
      iss: 'https://auth.example.test',
      aud: 'gatehouse-tests',
    })
    expect(await status(tokens.access)).toBe(200)
    expect(await status(resigned(tokens.access, {}))).toBe(200)
  })

  it('refuses another, a missing or a differently shaped issuer or audience', async () => {
    const edits = [
      { iss: 'https://evil.example' },
      { iss: 'https://auth.example.test/' },
      { iss: 'HTTPS://AUTH.EXAMPLE.TEST' },
      { iss: undefined },
      { iss: ['https://auth.example.test'] },
      { aud: 'other-service' },
      { aud: undefined },
      { aud: ['gatehouse-tests'] },
      { aud: ['gatehouse-tests', 'other-service'] },
      { aud: '' },
    ]
    for (const payload of edits) {
      expect(await status(resigned(tokens.access, { payload })), JSON.stringify(payload)).toBe(401)
    }
  })

  it('refuses a token of a deployment without issuer or audience, same key', async () => {
    expect(await status(alice.access)).toBe(401)
  })
})
