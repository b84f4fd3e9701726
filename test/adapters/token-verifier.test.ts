import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  bearer,
  claimsOf,
  createUser,
  expectError,
  headerOf,
  login,
  sleep,
} from '../support/api.js'
import { FRAMEWORKS, startHostApp, type RunningHostApp } from '../support/host-app.js'
import { startServer, type RunningServer } from '../support/server.js'
import { describeWithServices, requireServiceUrl } from '../support/services.js'

const SECRET = 'a shared secret of more than thirty-two characters'

/** Flips one character in the middle of the signature. */
function tampered(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const middle = Math.floor(signature.length / 2)
  const flipped = signature[middle] === 'A' ? 'B' : 'A'
  const changed = `${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`
  return `${header}.${payload}.${changed}`
}

describe.each(FRAMEWORKS)('a %s service verifying with the JWKS alone', (framework) => {
  let server: RunningServer
  let service: RunningHostApp

  beforeAll(async () => {
    server = await startServer({ env: { GATEHOUSE_JWT_ALGORITHM: 'EdDSA' } })
    await createUser(server, 'ada@example.com')
    service = await startHostApp(framework, {
      VERIFY_JWKS_URL: `${server.url}/.well-known/jwks.json`,
    })
  })

  afterAll(async () => {
    await service.stop()
    await server.stop()
  })

  it('accepts an access token of the server and tells its subject and session', async () => {
    const tokens = await login(server, 'ada@example.com')
    const response = await service.request('/svc/me', { headers: bearer(tokens.access) })

    expect(response.status).toBe(200)
    const verified = (await response.json()) as Record<string, any>
    expect(verified.userId).toBe(1)
    expect(verified.sessionId).toBe(claimsOf(tokens.access).sid)
    expect(verified.claims.token_type).toBe('access')
  })

  it('refuses a changed signature, a refresh token and a missing token', async () => {
    const tokens = await login(server, 'ada@example.com')

    for (const token of [tampered(tokens.access), tokens.refresh, 'not.a.token']) {
      const response = await service.request('/svc/me', { headers: bearer(token) })
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"')
      await expectError(response, 401, 'token_not_valid')
    }
    await expectError(await service.request('/svc/me'), 401, 'not_authenticated')
  })

  it('accepts tokens of a key rotated in after it first fetched the keys', async () => {
    const before = await login(server, 'ada@example.com')
    expect((await service.request('/svc/me', { headers: bearer(before.access) })).status).toBe(200)

    const rotated = await server.cli(['keys', 'rotate'])
    expect(rotated.code).toBe(0)
    // The server learns of the rotation on its next sync; the verifier's refetch cooldown.
    await sleep(1200)
    const after = await login(server, 'ada@example.com')
    expect(headerOf(after.access).kid).not.toBe(headerOf(before.access).kid)

    expect((await service.request('/svc/me', { headers: bearer(after.access) })).status).toBe(200)
    expect((await service.request('/svc/me', { headers: bearer(before.access) })).status).toBe(200)
  })
})

describe('a service verifying with the shared secret alone', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({ env: { GATEHOUSE_SIGNING_KEY: SECRET } })
    await createUser(server, 'ada@example.com')
  })

  afterAll(async () => {
    await server.stop()
  })

  it('accepts the server tokens with the same secret and refuses them with another', async () => {
    const same = await startHostApp('express', { VERIFY_SECRET: SECRET })
    const other = await startHostApp('express', {
      VERIFY_SECRET: SECRET.replace('a shared', 'another'),
    })
    try {
      const tokens = await login(server, 'ada@example.com')
      expect((await same.request('/svc/me', { headers: bearer(tokens.access) })).status).toBe(200)
      await expectError(
        await other.request('/svc/me', { headers: bearer(tokens.access) }),
        401,
        'token_not_valid',
      )
    } finally {
      await same.stop()
      await other.stop()
    }
  })
})

describeWithServices(['redis'], 'a verifier listening on Redis for ended sessions', () => {
  const prefix = `gatehouse-verifier-test-${process.pid}:`
  let server: RunningServer
  let service: RunningHostApp

  beforeAll(async () => {
    const redisUrl = requireServiceUrl('redis')
    server = await startServer({
      env: {
        GATEHOUSE_SIGNING_KEY: SECRET,
        GATEHOUSE_REDIS_URL: redisUrl,
        GATEHOUSE_REDIS_KEY_PREFIX: prefix,
      },
    })
    await createUser(server, 'ada@example.com')
    service = await startHostApp('express', {
      VERIFY_SECRET: SECRET,
      VERIFY_REDIS_URL: redisUrl,
      VERIFY_REDIS_PREFIX: prefix,
    })
  })

  afterAll(async () => {
    await service?.stop()
    await server?.stop()
  })

  it('refuses the tokens of a session the server ended, and only those', async () => {
    const ending = await login(server, 'ada@example.com')
    const other = await login(server, 'ada@example.com')
    expect((await service.request('/svc/me', { headers: bearer(ending.access) })).status).toBe(200)

    const logout = await server.request('/accounts/api/logout/', {
      method: 'POST',
      headers: bearer(ending.access),
    })
    expect(logout.status).toBe(204)

    // The end travels over Redis; allow it a bounded moment.
    let status = 200
    for (let attempt = 0; attempt < 40 && status === 200; attempt += 1) {
      await sleep(50)
      status = (await service.request('/svc/me', { headers: bearer(ending.access) })).status
    }
    expect(status).toBe(401)
    expect((await service.request('/svc/me', { headers: bearer(other.access) })).status).toBe(200)
  })
})
