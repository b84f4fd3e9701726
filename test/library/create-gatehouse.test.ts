import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'

import { ConfigError, createGatehouse, type Gatehouse } from '../../dist/index.js'
import { PASSWORD, claimsOf, sleep } from '../support/api.js'
import { describeWithServices, requireServiceUrl } from '../support/services.js'

const client = { userAgent: null, clientIp: '127.0.0.1' }
const opened: Gatehouse[] = []
const directories: string[] = []

function databaseUrl(): string {
  const directory = mkdtempSync(join(tmpdir(), 'gatehouse-library-'))
  directories.push(directory)
  return `sqlite:${join(directory, 'auth.sqlite3')}`
}

afterEach(async () => {
  for (const gatehouse of opened.splice(0)) await gatehouse.close()
  for (const directory of directories.splice(0)) {
    rmSync(directory, { recursive: true, force: true })
  }
})

describe('createGatehouse', () => {
  it('opens a new database, applies settings and the claims hook, and logs a user in', async () => {
    const gatehouse = await createGatehouse({
      databaseUrl: databaseUrl(),
      accessTokenLifetime: '5m',
      trustedProxies: ['10.0.0.1', '10.0.0.2'],
      rotateRefreshTokens: false,
      accessTokenClaims: (user) => ({ plan: user.isStaff ? 'staff' : 'free' }),
      backgroundWork: false,
    })
    opened.push(gatehouse)
    expect(gatehouse.settings.trustedProxies).toEqual(['10.0.0.1', '10.0.0.2'])
    expect(gatehouse.settings.rotateRefreshTokens).toBe(false)

    await gatehouse.accounts.createUser({ email: 'ada@example.com', password: PASSWORD })
    const tokens = await gatehouse.login('ada@example.com', PASSWORD, client)
    const claims = claimsOf(tokens.access)
    expect((claims.exp as number) - (claims.iat as number)).toBe(300)
    expect(claims.plan).toBe('free')
  })

  it('refuses a wrong value with a ConfigError naming the option', async () => {
    const opening = createGatehouse({ databaseUrl: databaseUrl(), accessTokenLifetime: 'soon' })
    await expect(opening).rejects.toBeInstanceOf(ConfigError)
    await expect(opening).rejects.toThrow(/^accessTokenLifetime: expected a duration/)
  })

  it('refuses an option that is not a setting, rather than ignoring a typo', async () => {
    const options = { databaseUrl: databaseUrl(), accesTokenLifetime: '5m' }
    await expect(createGatehouse(options as never)).rejects.toThrow(
      'accesTokenLifetime: not a Gatehouse setting',
    )
  })

  it('reads no environment variable', async () => {
    process.env.GATEHOUSE_ACCESS_TOKEN_LIFETIME = '1m'
    try {
      const gatehouse = await createGatehouse({ databaseUrl: databaseUrl(), backgroundWork: false })
      opened.push(gatehouse)
      expect(gatehouse.settings.accessTokenLifetimeSeconds).toBe(15 * 60)
    } finally {
      delete process.env.GATEHOUSE_ACCESS_TOKEN_LIFETIME
    }
  })
})

describeWithServices(['redis'], 'createGatehouse with Redis', () => {
  it('announces the sessions it ends to the other instances, as the server does', async () => {
    const prefix = `gatehouse-library-test-${process.pid}:`
    const listener = new Redis(requireServiceUrl('redis'))
    const messages: string[] = []
    listener.on('message', (_channel: string, text: string) => messages.push(text))
    await listener.subscribe(`${prefix}sessions-ended`)

    try {
      const gatehouse = await createGatehouse({
        databaseUrl: databaseUrl(),
        redisUrl: requireServiceUrl('redis'),
        redisKeyPrefix: prefix,
        backgroundWork: false,
      })
      opened.push(gatehouse)
      await gatehouse.accounts.createUser({ email: 'ada@example.com', password: PASSWORD })
      const tokens = await gatehouse.login('ada@example.com', PASSWORD, client)
      const sessionId = claimsOf(tokens.access).sid as string
      await gatehouse.sessions.endSession(sessionId, 'logout')

      for (let attempt = 0; attempt < 40 && messages.length === 0; attempt += 1) await sleep(50)
      expect(messages.map((text) => JSON.parse(text).ids)).toEqual([[sessionId]])
    } finally {
      listener.disconnect()
    }
  })
})
