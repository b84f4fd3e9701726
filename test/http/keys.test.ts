import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createUser, eventually, getProtected, headerOf, login, refresh } from '../support/api.js'
import { startServer, type RunningServer } from '../support/server.js'

interface Jwks {
  keys: Array<Record<string, string>>
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']

describe.each(['EdDSA', 'ES256', 'RS256'] as const)('%s signing', (algorithm) => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({ env: { GATEHOUSE_JWT_ALGORITHM: algorithm } })
    await createUser(server, 'alice@example.com')
  })

  afterAll(async () => {
    await server.stop()
  })

  it('signs with the configured algorithm and publishes only the public key', async () => {
    const tokens = await login(server, 'alice@example.com')
    const header = headerOf(tokens.access)
    const jwks = (await (await server.request('/.well-known/jwks.json')).json()) as Jwks

    expect(header.alg).toBe(algorithm)
    expect(jwks.keys.map((key) => key.kid)).toContain(header.kid)
    for (const key of jwks.keys) {
      for (const member of PRIVATE_MEMBERS) expect(key).not.toHaveProperty(member)
      expect(key.alg).toBe(algorithm)
    }
    expect((await getProtected(server, tokens.access)).status).toBe(200)
    expect((await refresh(server, tokens.refresh)).status).toBe(200)
  })
})

describe('HS256 (the default)', () => {
  it('publishes an empty key set', async () => {
    const server = await startServer()
    try {
      const response = await server.request('/.well-known/jwks.json')
      expect(await response.json()).toEqual({ keys: [] })
    } finally {
      await server.stop()
    }
  })
})

describe('keys rotate', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({ env: { GATEHOUSE_JWT_ALGORITHM: 'EdDSA' } })
    await createUser(server, 'alice@example.com')
  })

  afterAll(async () => {
    await server.stop()
  })

  it('makes a new signing key the running server uses, while the old one keeps verifying', async () => {
    const before = await login(server, 'alice@example.com')
    const oldKid = headerOf(before.access).kid

    const rotated = await server.cli(['keys', 'rotate'])
    expect(rotated.code).toBe(0)
    const newKid = /new signing key (\S+)/.exec(rotated.stdout)?.[1]
    expect(newKid).toBeDefined()

    const switched = await eventually(async () => {
      const tokens = await login(server, 'alice@example.com')
      return headerOf(tokens.access).kid === newKid
    })
    expect(switched).toBe(true)
    expect((await getProtected(server, before.access)).status).toBe(200)
    expect((await refresh(server, before.refresh)).status).toBe(200)

    const listed = await server.cli(['keys', 'list'])
    expect(listed.stdout.split('\n')[0]).toBe('kid\talgorithm\tstate\tretired')
    expect(listed.stdout).toMatch(new RegExp(`${newKid}\\tEdDSA\\tsigning`))
    expect(listed.stdout).toMatch(new RegExp(`${String(oldKid)}\\tEdDSA\\tverifying`))

    const jwks = (await (await server.request('/.well-known/jwks.json')).json()) as Jwks
    expect(jwks.keys.map((key) => key.kid).sort()).toEqual([String(oldKid), newKid].sort())
  })

  it('is refused when the secret comes from GATEHOUSE_SIGNING_KEY', async () => {
    const fixed = await startServer({
      env: { GATEHOUSE_SIGNING_KEY: 'a-fixed-secret-from-the-environment-0123456789' },
    })
    try {
      const result = await fixed.cli(['keys', 'rotate'])
      expect(result.code).not.toBe(0)
      expect(result.stderr).toContain('signing_key_fixed')
    } finally {
      await fixed.stop()
    }
  })
})
