import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  PASSWORD,
  bearer,
  claimsOf,
  createUser,
  expectError,
  getProtected,
  headerOf,
  login,
  postJson,
  refresh,
} from '../support/api.js'
import { signHmac } from '../support/jwt.js'
import { startServer, type RunningServer } from '../support/server.js'

const SIGNING_KEY = 'test-signing-key-of-the-contract-suite-0123456789'

let server: RunningServer

beforeAll(async () => {
  server = await startServer({ env: { GATEHOUSE_SIGNING_KEY: SIGNING_KEY } })
  await createUser(server, 'alice@example.com')
})

afterAll(async () => {
  await server.stop()
})

/** Signs Alice's claims with the deployment's own secret, altered as a test needs. */
async function forge(changes: Record<string, unknown>): Promise<string> {
  const tokens = await login(server, 'alice@example.com')
  const claims = { ...claimsOf(tokens.access), ...changes }
  return signHmac(headerOf(tokens.access), claims, SIGNING_KEY)
}

describe('paths', () => {
  it('answers with and without the trailing slash, keeping the POST body (regression 16)', async () => {
    for (const path of ['/accounts/api/token', '/accounts/api/token/']) {
      const response = await postJson(server, path, {
        email: 'alice@example.com',
        password: PASSWORD,
      })
      expect(response.status).toBe(200)
    }
    const tokens = await login(server, 'alice@example.com')
    const withoutSlash = await server.request('/api/protected', { headers: bearer(tokens.access) })
    expect(withoutSlash.status).toBe(200)
  })

  it('answers 404 JSON for unknown paths', async () => {
    await expectError(await server.request('/no/such/path/'), 404, 'not_found')
  })

  it('answers 405 with Allow for a method the path does not take', async () => {
    const response = await server.request('/accounts/api/token/', { method: 'GET' })
    await expectError(response, 405, 'method_not_allowed')
    expect(response.headers.get('allow')).toBe('POST, OPTIONS')
  })

  it('answers OPTIONS with 204 and Allow, without credentials', async () => {
    const response = await server.request('/api/protected/', { method: 'OPTIONS' })
    expect(response.status).toBe(204)
    expect(response.headers.get('allow')).toContain('GET')
  })

  it('answers HEAD without a body (regression 11)', async () => {
    const tokens = await login(server, 'alice@example.com')
    const response = await server.request('/api/protected/', {
      method: 'HEAD',
      headers: bearer(tokens.access),
    })
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('')
  })
})

describe('headers', () => {
  it('marks token responses no-store and discloses no server (regression 12)', async () => {
    const response = await postJson(server, '/accounts/api/token/', {
      email: 'alice@example.com',
      password: PASSWORD,
    })
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(response.headers.get('server')).toBeNull()
    expect(response.headers.get('x-powered-by')).toBeNull()

    const body = (await response.json()) as { refresh: string }
    const refreshed = await refresh(server, body.refresh)
    expect(refreshed.headers.get('cache-control')).toBe('no-store')
  })

  it('takes the Bearer scheme in any case and after several spaces (regression 9)', async () => {
    const tokens = await login(server, 'alice@example.com')
    for (const value of [
      `bearer ${tokens.access}`,
      `BEARER ${tokens.access}`,
      `Bearer   ${tokens.access}`,
    ]) {
      const response = await server.request('/api/protected/', {
        headers: { authorization: value },
      })
      expect(response.status).toBe(200)
    }
  })
})

describe('validly signed tokens with malformed claims answer 401, never 500 (regression 3)', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['a non-numeric user_id', { user_id: 'abc', sub: 'abc' }],
    ['a string user_id "1" (regression 9)', { user_id: '1' }],
    ['a string iat', { iat: String(Math.floor(Date.now() / 1000)) }],
    ['a string exp', { exp: '9999999999' }],
    ['a null exp', { exp: null }],
    ['a missing sid', { sid: undefined }],
    ['a float user_id', { user_id: 1.5, sub: '1.5' }],
    ['a sub that is not the user_id', { sub: '2' }],
    ['a refresh token_type', { token_type: 'refresh' }],
    ['no token_type', { token_type: undefined }],
    [
      'a lifetime longer than issued (regression 18)',
      { exp: Math.floor(Date.now() / 1000) + 86400 * 365 },
    ],
  ]

  for (const [name, changes] of cases) {
    it(`refuses ${name}`, async () => {
      const response = await getProtected(server, await forge(changes))
      await expectError(response, 401, 'token_not_valid')
    })
  }

  it('accepts an unaltered token signed the same way (the forging above is sound)', async () => {
    const response = await getProtected(server, await forge({}))
    expect(response.status).toBe(200)
  })
})

describe('token encoding', () => {
  it('refuses a signature with changed unused bits in its last character (regression 17)', async () => {
    const tokens = await login(server, 'alice@example.com')
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = tokens.access.at(-1) as string
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] as string
    const altered = tokens.access.slice(0, -1) + sibling

    expect(Buffer.from(altered.split('.')[2] as string, 'base64url')).toEqual(
      Buffer.from(tokens.access.split('.')[2] as string, 'base64url'),
    )
    await expectError(await getProtected(server, altered), 401, 'token_not_valid')
  })

  it('refuses a refresh token as an access token and the reverse (B11)', async () => {
    const tokens = await login(server, 'alice@example.com')
    await expectError(await getProtected(server, tokens.refresh), 401, 'token_not_valid')
    await expectError(await refresh(server, tokens.access), 401, 'token_not_valid')

    const viaHeader = await postJson(
      server,
      '/accounts/api/token/refresh/',
      {},
      bearer(tokens.access),
    )
    await expectError(viaHeader, 400, 'invalid_request')
  })
})

describe('signing secrets (regression 18)', () => {
  it('generates a different secret for every new deployment', async () => {
    const first = await startServer()
    const second = await startServer()
    try {
      await createUser(first, 'carol@example.com')
      await createUser(second, 'carol@example.com')
      const tokens = await login(first, 'carol@example.com')

      expect((await getProtected(first, tokens.access)).status).toBe(200)
      await expectError(await getProtected(second, tokens.access), 401, 'token_not_valid')
    } finally {
      await Promise.all([first.stop(), second.stop()])
    }
  })

  it('refuses tokens signed with a well-known default secret', async () => {
    const tokens = await login(server, 'alice@example.com')
    for (const secret of ['secret', 'django-insecure-default', '', 'changeme']) {
      const forged = signHmac(headerOf(tokens.access), claimsOf(tokens.access), secret)
      await expectError(await getProtected(server, forged), 401, 'token_not_valid')
    }
  })
})
