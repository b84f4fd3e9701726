import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  PASSWORD,
  claimsOf,
  createUser,
  expectError,
  getProtected,
  headerOf,
  login,
  postJson,
  postRaw,
} from '../support/api.js'
import { settledLogs } from '../support/logs.js'
import { startServer, type RunningServer } from '../support/server.js'

let server: RunningServer

beforeAll(async () => {
  server = await startServer()
  await createUser(server, 'Alice@Example.COM')
  await createUser(server, 'named@example.com', PASSWORD, ['--username', 'captain'])
  await createUser(server, 'sleeping@example.com', PASSWORD, ['--inactive'])
})

afterAll(async () => {
  await server.stop()
})

const TOKEN_PATH = '/accounts/api/token/'

describe('login with email and password', () => {
  it('returns a refresh and an access token for good credentials', async () => {
    const response = await postJson(server, TOKEN_PATH, {
      email: 'alice@example.com',
      password: PASSWORD,
    })

    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = (await response.json()) as Record<string, string>
    expect(Object.keys(body).sort()).toEqual(['access', 'refresh'])
  })

  it('issues tokens with the documented header and claims', async () => {
    const tokens = await login(server, 'alice@example.com')
    const header = headerOf(tokens.access)
    const claims = claimsOf(tokens.access)

    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', kid: expect.any(String) })
    expect(claims).toMatchObject({ token_type: 'access', user_id: 1, sub: '1' })
    for (const claim of ['exp', 'iat', 'jti', 'sid']) expect(claims).toHaveProperty(claim)
    expect((claims.exp as number) - (claims.iat as number)).toBe(15 * 60)

    const refreshClaims = claimsOf(tokens.refresh)
    expect(refreshClaims.token_type).toBe('refresh')
    expect(refreshClaims.sid).toBe(claims.sid)
    expect((refreshClaims.exp as number) - (refreshClaims.iat as number)).toBe(86400)
  })

  it('matches the email without regard to case or surrounding spaces', async () => {
    for (const email of ['ALICE@EXAMPLE.COM', ' alice@example.com ', 'Alice@Example.COM']) {
      const tokens = await login(server, email)
      expect(claimsOf(tokens.access).user_id).toBe(1)
    }
  })

  it('logs in by email, not by a username sent in the email field (regression 1)', async () => {
    await login(server, 'named@example.com')
    const response = await postJson(server, TOKEN_PATH, { email: 'captain', password: PASSWORD })
    await expectError(response, 401, 'invalid_credentials')
  })

  it('answers wrong password, unknown email and inactive user identically', async () => {
    const attempts = [
      { email: 'alice@example.com', password: 'wrong password' },
      { email: 'nobody@example.com', password: PASSWORD },
      { email: 'sleeping@example.com', password: PASSWORD },
    ]
    const answers = await Promise.all(
      attempts.map(async (attempt) => {
        const response = await postJson(server, TOKEN_PATH, attempt)
        const headers = [...response.headers].filter(([name]) => name !== 'date')
        return { status: response.status, headers, body: await response.text() }
      }),
    )

    expect(answers[0]?.status).toBe(401)
    expect(JSON.parse(answers[0]?.body ?? '')).toEqual({
      error: 'Invalid credentials',
      detail: 'Invalid credentials',
      code: 'invalid_credentials',
    })
    expect(answers[1]).toEqual(answers[0])
    expect(answers[2]).toEqual(answers[0])
  })

  it('carries WWW-Authenticate on the login 401 (regression 8)', async () => {
    const response = await postJson(server, TOKEN_PATH, { email: 'x@example.com', password: 'x' })
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api"')
  })

  it('ignores a stale Authorization header on the login request (regression 8)', async () => {
    const response = await postJson(
      server,
      TOKEN_PATH,
      { email: 'alice@example.com', password: PASSWORD },
      { authorization: 'Bearer stale.token.value' },
    )
    expect(response.status).toBe(200)
  })
})

describe('login refuses malformed requests with 400, never 500 (regression 2)', () => {
  const bodies: Array<[string, string]> = [
    ['a JSON array', '[]'],
    ['a JSON string', '"alice@example.com"'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['malformed JSON', '{"email": "alice@example.com", "password": '],
    ['a missing password', '{"email": "alice@example.com"}'],
    ['a missing email', '{"password": "x"}'],
    ['a numeric password', '{"email": "alice@example.com", "password": 12345678}'],
    ['an object email', '{"email": {"$ne": ""}, "password": "x"}'],
    ['a null email', '{"email": null, "password": "x"}'],
  ]

  for (const [name, body] of bodies) {
    it(`refuses ${name}`, async () => {
      const response = await postRaw(server, TOKEN_PATH, 'application/json', body)
      await expectError(response, 400, 'invalid_request')
    })
  }

  it('never echoes a JSON parser position (regression 10)', async () => {
    const response = await postRaw(
      server,
      TOKEN_PATH,
      'application/json',
      '{"email": "a", "password": x}',
    )
    const text = await response.text()
    expect(response.status).toBe(400)
    expect(text).not.toMatch(/position|line \d|column|Unexpected token/i)
  })

  it('answers 415 to another content type', async () => {
    const response = await server.request(TOKEN_PATH, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ email: 'alice@example.com', password: PASSWORD }),
    })
    await expectError(response, 415, 'unsupported_media_type')
  })

  it('answers 413 to a body over the limit', async () => {
    const response = await postJson(server, TOKEN_PATH, {
      email: 'alice@example.com',
      password: 'x'.repeat(20_000),
    })
    await expectError(response, 413, 'payload_too_large')
  })
})

describe('form-encoded login', () => {
  const form = `email=alice%40example.com&password=${encodeURIComponent(PASSWORD)}`

  it('is accepted from a client that is not a browser', async () => {
    const response = await server.request(TOKEN_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    })
    expect(response.status).toBe(200)
  })

  it('is refused when another site posts it (login CSRF, regression 13)', async () => {
    const crossSite = [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'same-site' },
    ]
    for (const headers of crossSite) {
      const response = await server.request(TOKEN_PATH, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: form,
      })
      await expectError(response, 403, 'cross_site_request')
    }
  })

  it('is accepted from the same origin', async () => {
    const response = await server.request(TOKEN_PATH, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: server.url,
        'sec-fetch-site': 'same-origin',
      },
      body: form,
    })
    expect(response.status).toBe(200)
  })
})

describe('the protected view', () => {
  it('greets the user by email when no username is set', async () => {
    const tokens = await login(server, 'alice@example.com')
    const response = await getProtected(server, tokens.access)

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({
      message: 'Hello Alice@Example.COM, you are authenticated!',
    })
  })

  it('greets the user by username when one is set', async () => {
    const tokens = await login(server, 'named@example.com')
    const response = await getProtected(server, tokens.access)
    expect(await response.json()).toEqual({ message: 'Hello captain, you are authenticated!' })
  })

  it('answers 401 with WWW-Authenticate and no credentials', async () => {
    const response = await server.request('/api/protected/')
    await expectError(response, 401, 'not_authenticated')
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api"')
  })

  it('answers 401 with error="invalid_token" for a bad token', async () => {
    const response = await getProtected(server, 'not-a-token')
    await expectError(response, 401, 'token_not_valid')
    expect(response.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="invalid_token"',
    )
  })
})

describe('logs', () => {
  it('never hold a password or a token', async () => {
    const tokens = await login(server, 'alice@example.com')
    await postJson(server, TOKEN_PATH, { email: 'alice@example.com', password: 'hunter2-guess' })
    const logs = (await settledLogs(server)).join('\n')

    expect(logs).toContain('"event":"login.failed"')
    expect(logs).toContain('"reason":"wrong_password"')
    for (const secret of [PASSWORD, 'hunter2-guess', tokens.access, tokens.refresh]) {
      expect(logs).not.toContain(secret)
    }
  })
})
