import { randomBytes } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import type {
  CounterStore,
  NewSession,
  NewUser,
  SigningKeyRecord,
  Storage,
} from '../../src/storage/types.js'

/** A database a backend made for one suite; it can be opened several times at once. */
export interface BackendDatabase {
  /** A new storage handle on this database, as one more instance would hold. */
  open(): Promise<Storage>
  drop(): Promise<void>
}

/** How a suite gets at a backend: each call makes a new, empty database. */
export type CreateDatabase = () => Promise<BackendDatabase>

// Past 2^31, so a 32-bit column or a bigint returned as text would show.
const NOW = 4_102_444_800
const HOUR = 3600

let sequence = 0

function uniqueId(): string {
  return randomBytes(12).toString('base64url')
}

function newUser(overrides: Partial<NewUser> = {}): NewUser {
  sequence += 1
  const email = `user${sequence}-${uniqueId()}@example.com`
  return {
    email,
    emailKey: email.toLowerCase(),
    username: null,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    createdAt: NOW,
    passwordChangedAt: NOW,
    ...overrides,
  }
}

function newSession(userId: number, overrides: Partial<NewSession> = {}): NewSession {
  return {
    id: uniqueId(),
    userId,
    kind: 'api',
    cookieHash: null,
    createdAt: NOW,
    lastUsedAt: NOW,
    expiresAt: NOW + 14 * 24 * HOUR,
    userAgent: 'conformance/1.0',
    clientIp: '127.0.0.1',
    refresh: { jti: uniqueId(), issuedAt: NOW, expiresAt: NOW + 24 * HOUR },
    ...overrides,
  }
}

function newKey(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  return {
    kid: uniqueId(),
    algorithm: 'HS256',
    privateKey: randomBytes(32).toString('base64url'),
    publicJwk: null,
    createdAt: NOW,
    retiredAt: null,
    ...overrides,
  }
}

/**
 * The contract of every Storage method. SQLite and PostgreSQL run the same suite; a backend
 * that passes it can stand in for the other.
 */
export function describeStorageConformance(createDatabase: CreateDatabase): void {
  let database: BackendDatabase
  let storage: Storage

  beforeAll(async () => {
    database = await createDatabase()
    storage = await database.open()
    await storage.migrate()
  })

  afterAll(async () => {
    await storage?.close()
    await database?.drop()
  })

  describe('schema', () => {
    it('applies the migrations once, even when several instances start together', async () => {
      const fresh = await createDatabase()
      const handles = await Promise.all([fresh.open(), fresh.open(), fresh.open()])
      try {
        const applied = await Promise.all(handles.map((handle) => handle.migrate()))
        expect(applied.flat()).toEqual(['0001_initial'])
        expect(await handles[0]!.migrate()).toEqual([])
      } finally {
        await Promise.all(handles.map((handle) => handle.close()))
        await fresh.drop()
      }
    })

    it('answers a ping', async () => {
      await expect(storage.ping()).resolves.toBeUndefined()
    })
  })

  describe('users', () => {
    it('inserts a user and returns it with a numeric id and real booleans', async () => {
      const input = newUser({ username: 'captain', isStaff: true, isSuperuser: true })
      const user = await storage.insertUser(input)

      expect(user).toEqual({ ...input, id: expect.any(Number), lastLoginAt: null })
      expect(Number.isInteger(user!.id)).toBe(true)
    })

    it('gives distinct increasing ids', async () => {
      const first = await storage.insertUser(newUser())
      const second = await storage.insertUser(newUser())
      expect(second!.id).toBeGreaterThan(first!.id)
    })

    it('returns null for an email key already taken, and keeps the first user', async () => {
      const input = newUser()
      const first = await storage.insertUser(input)
      const again = await storage.insertUser({ ...input, email: input.email.toUpperCase() })

      expect(again).toBeNull()
      expect(await storage.findUserByEmailKey(input.emailKey)).toEqual(first)
    })

    it('lets exactly one of several concurrent inserts of one email key win', async () => {
      const input = newUser()
      const results = await Promise.all(Array.from({ length: 10 }, () => storage.insertUser(input)))
      expect(results.filter((result) => result !== null)).toHaveLength(1)
    })

    it('finds a user by id and by email key, and null when there is none', async () => {
      const user = await storage.insertUser(newUser())

      expect(await storage.findUserById(user!.id)).toEqual(user)
      expect(await storage.findUserByEmailKey(user!.emailKey)).toEqual(user)
      expect(await storage.findUserById(2_000_000_000)).toBeNull()
      expect(await storage.findUserByEmailKey('nobody@example.com')).toBeNull()
    })

    it('updates the password hash and when it changed', async () => {
      const user = await storage.insertUser(newUser())
      await storage.updateUserPassword(user!.id, 'new-hash', NOW + 5)

      const updated = await storage.findUserById(user!.id)
      expect(updated).toMatchObject({ passwordHash: 'new-hash', passwordChangedAt: NOW + 5 })
    })

    it('switches a user off and on', async () => {
      const user = await storage.insertUser(newUser())

      await storage.updateUserActive(user!.id, false)
      expect((await storage.findUserById(user!.id))!.isActive).toBe(false)
      await storage.updateUserActive(user!.id, true)
      expect((await storage.findUserById(user!.id))!.isActive).toBe(true)
    })

    it('records the last login time', async () => {
      const user = await storage.insertUser(newUser())
      await storage.recordUserLogin(user!.id, NOW + 7)
      expect((await storage.findUserById(user!.id))!.lastLoginAt).toBe(NOW + 7)
    })

    it('deletes a user', async () => {
      const user = await storage.insertUser(newUser())
      await storage.deleteUser(user!.id)
      expect(await storage.findUserById(user!.id)).toBeNull()
    })
  })

  describe('sessions', () => {
    let userId: number

    beforeAll(async () => {
      userId = (await storage.insertUser(newUser()))!.id
    })

    it('stores an API session and reads it back whole', async () => {
      const input = newSession(userId)
      await storage.insertSession(input)

      expect(await storage.findSession(input.id)).toEqual({
        ...input,
        previousRefreshJti: null,
        rotatedAt: null,
        endedAt: null,
        endReason: null,
      })
    })

    it('stores a web session without a refresh token and finds it by cookie hash', async () => {
      const input = newSession(userId, { kind: 'web', cookieHash: uniqueId(), refresh: null })
      await storage.insertSession(input)

      const found = await storage.findSessionByCookieHash(input.cookieHash!)
      expect(found).toMatchObject({ id: input.id, kind: 'web', refresh: null })
    })

    it('returns null for an unknown session id or cookie hash', async () => {
      expect(await storage.findSession(uniqueId())).toBeNull()
      expect(await storage.findSessionByCookieHash(uniqueId())).toBeNull()
    })

    it('rotates the refresh token when the presented one is current', async () => {
      const input = newSession(userId)
      await storage.insertSession(input)
      const next = { jti: uniqueId(), issuedAt: NOW + 60, expiresAt: NOW + 60 + 24 * HOUR }

      const won = await storage.rotateRefreshToken({
        sessionId: input.id,
        presentedJti: input.refresh!.jti,
        next,
        rotatedAt: NOW + 60,
      })

      expect(won).toBe(true)
      expect(await storage.findSession(input.id)).toMatchObject({
        refresh: next,
        previousRefreshJti: input.refresh!.jti,
        rotatedAt: NOW + 60,
        lastUsedAt: NOW + 60,
      })
    })

    it('refuses to rotate from a token that is not the current one', async () => {
      const input = newSession(userId)
      await storage.insertSession(input)

      const won = await storage.rotateRefreshToken({
        sessionId: input.id,
        presentedJti: uniqueId(),
        next: { jti: uniqueId(), issuedAt: NOW, expiresAt: NOW + HOUR },
        rotatedAt: NOW,
      })

      expect(won).toBe(false)
      expect((await storage.findSession(input.id))!.refresh).toEqual(input.refresh)
    })

    it('refuses to rotate the token of an ended session', async () => {
      const input = newSession(userId)
      await storage.insertSession(input)
      await storage.endSession(input.id, NOW, 'logout')

      const won = await storage.rotateRefreshToken({
        sessionId: input.id,
        presentedJti: input.refresh!.jti,
        next: { jti: uniqueId(), issuedAt: NOW, expiresAt: NOW + HOUR },
        rotatedAt: NOW,
      })
      expect(won).toBe(false)
    })

    it('lets exactly one of 20 concurrent rotations win, across several instances', async () => {
      const input = newSession(userId)
      await storage.insertSession(input)
      const others = [await database.open(), await database.open()]
      const handles = [storage, ...others]

      try {
        const attempts = Array.from({ length: 20 }, (_, index) => ({
          sessionId: input.id,
          presentedJti: input.refresh!.jti,
          next: { jti: uniqueId(), issuedAt: NOW + 1, expiresAt: NOW + HOUR },
          rotatedAt: NOW + 1,
        }))
        const results = await Promise.all(
          attempts.map((attempt, index) =>
            handles[index % handles.length]!.rotateRefreshToken(attempt),
          ),
        )

        expect(results.filter(Boolean)).toHaveLength(1)
        const winner = attempts[results.indexOf(true)]!
        const stored = await storage.findSession(input.id)
        expect(stored!.refresh).toEqual(winner.next)
        expect(stored!.previousRefreshJti).toBe(input.refresh!.jti)
      } finally {
        await Promise.all(others.map((handle) => handle.close()))
      }
    })

    it('touches the last-used time', async () => {
      const input = newSession(userId)
      await storage.insertSession(input)
      await storage.touchSession(input.id, NOW + 90)
      expect((await storage.findSession(input.id))!.lastUsedAt).toBe(NOW + 90)
    })

    it('ends a live session once: true the first time, false after', async () => {
      const input = newSession(userId)
      await storage.insertSession(input)

      expect(await storage.endSession(input.id, NOW + 3, 'logout')).toBe(true)
      expect(await storage.endSession(input.id, NOW + 9, 'refresh_reuse')).toBe(false)
      expect(await storage.findSession(input.id)).toMatchObject({
        endedAt: NOW + 3,
        endReason: 'logout',
      })
      expect(await storage.endSession(uniqueId(), NOW, 'logout')).toBe(false)
    })

    it('ends every live session of a user but one, and returns the ids it ended', async () => {
      const owner = (await storage.insertUser(newUser()))!.id
      const other = (await storage.insertUser(newUser()))!.id
      const [keep, first, second, already] = [1, 2, 3, 4].map(() => newSession(owner))
      const bystander = newSession(other)
      for (const session of [keep!, first!, second!, already!, bystander]) {
        await storage.insertSession(session)
      }
      await storage.endSession(already!.id, NOW, 'logout')

      const ended = await storage.endUserSessions(owner, NOW + 4, 'password_changed', keep!.id)

      expect(ended.sort()).toEqual([first!.id, second!.id].sort())
      expect((await storage.findSession(keep!.id))!.endedAt).toBeNull()
      expect((await storage.findSession(already!.id))!.endReason).toBe('logout')
      expect((await storage.findSession(bystander.id))!.endedAt).toBeNull()
      expect(await storage.endUserSessions(owner, NOW + 5, 'logout_all')).toEqual([keep!.id])
    })

    it('lists the live sessions of a user, newest first, not ended or expired ones', async () => {
      const owner = (await storage.insertUser(newUser()))!.id
      const older = newSession(owner, { createdAt: NOW - 20 })
      const newer = newSession(owner, { createdAt: NOW - 10 })
      const ended = newSession(owner)
      const expired = newSession(owner, { expiresAt: NOW })
      for (const session of [older, newer, ended, expired]) await storage.insertSession(session)
      await storage.endSession(ended.id, NOW, 'logout')

      const live = await storage.listLiveSessions(owner, NOW)
      expect(live.map((session) => session.id)).toEqual([newer.id, older.id])
    })

    it('lists the sessions ended since a time, with when they ended', async () => {
      const early = newSession(userId)
      const late = newSession(userId)
      await storage.insertSession(early)
      await storage.insertSession(late)
      await storage.endSession(early.id, NOW + 100, 'logout')
      await storage.endSession(late.id, NOW + 200, 'logout')

      const ended = await storage.listSessionsEndedSince(NOW + 150)
      const ids = ended.map((row) => row.id)
      expect(ended).toContainEqual({ id: late.id, endedAt: NOW + 200 })
      expect(ids).not.toContain(early.id)
      expect(await storage.listSessionsEndedSince(NOW + 200)).toContainEqual({
        id: late.id,
        endedAt: NOW + 200,
      })
    })

    it('deletes sessions that ended or expired before a time, and counts them', async () => {
      const owner = (await storage.insertUser(newUser()))!.id
      const live = newSession(owner, { expiresAt: NOW + 10 * 365 * 24 * HOUR })
      const endedLongAgo = newSession(owner, { expiresAt: NOW + 10 * 365 * 24 * HOUR })
      const expiredLongAgo = newSession(owner, { createdAt: NOW - 2 * HOUR, expiresAt: NOW - HOUR })
      for (const session of [live, endedLongAgo, expiredLongAgo]) {
        await storage.insertSession(session)
      }
      await storage.endSession(endedLongAgo.id, NOW - HOUR, 'logout')

      const before = NOW - 60
      const deleted = await storage.deleteSessionsFinishedBefore(before)

      expect(deleted).toBeGreaterThanOrEqual(2)
      expect(await storage.findSession(endedLongAgo.id)).toBeNull()
      expect(await storage.findSession(expiredLongAgo.id)).toBeNull()
      expect(await storage.findSession(live.id)).not.toBeNull()
    })
  })

  describe('signing keys', () => {
    it('stores keys and lists them oldest first', async () => {
      const fresh = await createDatabase()
      const keys = await fresh.open()
      try {
        await keys.migrate()
        const newer = newKey({ createdAt: NOW + 10 })
        const older = newKey({
          algorithm: 'EdDSA',
          privateKey: '-----BEGIN PRIVATE KEY-----\nMC4=\n-----END PRIVATE KEY-----\n',
          publicJwk: '{"kty":"OKP","crv":"Ed25519","x":"AAAA"}',
        })
        await keys.insertSigningKey(newer)
        await keys.insertSigningKey(older)

        expect(await keys.listSigningKeys()).toEqual([older, newer])
      } finally {
        await keys.close()
        await fresh.drop()
      }
    })

    it('orders keys made in the same second the same way on every instance', async () => {
      const fresh = await createDatabase()
      const [first, second] = [await fresh.open(), await fresh.open()]
      try {
        await first.migrate()
        for (let index = 0; index < 5; index += 1) await first.insertSigningKey(newKey())

        const kids = (await first.listSigningKeys()).map((key) => key.kid)
        expect((await second.listSigningKeys()).map((key) => key.kid)).toEqual(kids)
        expect(kids).toEqual([...kids].sort())
      } finally {
        await Promise.all([first.close(), second.close()])
        await fresh.drop()
      }
    })

    it('retires the other live keys of an algorithm, and only those', async () => {
      const fresh = await createDatabase()
      const keys = await fresh.open()
      try {
        await keys.migrate()
        const old = newKey()
        const retired = newKey({ retiredAt: NOW - 5 })
        const other = newKey({ algorithm: 'ES256' })
        const current = newKey({ createdAt: NOW + 1 })
        for (const key of [old, retired, other, current]) await keys.insertSigningKey(key)

        await keys.retireSigningKeys('HS256', current.kid, NOW + 2)

        const byKid = new Map((await keys.listSigningKeys()).map((key) => [key.kid, key]))
        expect(byKid.get(old.kid)!.retiredAt).toBe(NOW + 2)
        expect(byKid.get(retired.kid)!.retiredAt).toBe(NOW - 5)
        expect(byKid.get(other.kid)!.retiredAt).toBeNull()
        expect(byKid.get(current.kid)!.retiredAt).toBeNull()

        expect(await keys.deleteSigningKeysRetiredBefore(NOW)).toBe(1)
        expect((await keys.listSigningKeys()).map((key) => key.kid).sort()).toEqual(
          [old.kid, other.kid, current.kid].sort(),
        )
      } finally {
        await keys.close()
        await fresh.drop()
      }
    })
  })

  describe('counters', () => {
    describeCounterStoreConformance(async () => ({
      counters: storage,
      another: async () => {
        const handle = await database.open()
        return { counters: handle, close: () => handle.close() }
      },
      close: async () => {},
    }))
  })
}

/** A counter store under test, and a way to open another handle on the same counters. */
export interface CounterBackend {
  counters: CounterStore
  another(): Promise<{ counters: CounterStore; close(): Promise<void> }>
  close(): Promise<void>
}

/**
 * The CounterStore contract, which the SQL storages and the Redis counter store share. The
 * throttle builds on it, so every backend must count exactly, even under concurrency.
 */
export function describeCounterStoreConformance(open: () => Promise<CounterBackend>): void {
  let backend: CounterBackend
  let counters: CounterStore

  beforeAll(async () => {
    backend = await open()
    counters = backend.counters
  })

  afterAll(async () => {
    await backend?.close()
  })

  it('starts a counter at one in a window that starts now', async () => {
    const key = `new-${uniqueId()}`
    expect(await counters.incrementCounter(key, NOW, 60)).toEqual({
      count: 1,
      windowStartedAt: NOW,
      blockedUntil: null,
    })
  })

  it('counts up within the window', async () => {
    const key = `up-${uniqueId()}`
    await counters.incrementCounter(key, NOW, 60)
    await counters.incrementCounter(key, NOW + 10, 60)
    expect(await counters.incrementCounter(key, NOW + 59, 60)).toEqual({
      count: 3,
      windowStartedAt: NOW,
      blockedUntil: null,
    })
  })

  it('starts a new window once the old one is over', async () => {
    const key = `window-${uniqueId()}`
    await counters.incrementCounter(key, NOW, 60)
    await counters.incrementCounter(key, NOW + 1, 60)
    expect(await counters.incrementCounter(key, NOW + 60, 60)).toEqual({
      count: 1,
      windowStartedAt: NOW + 60,
      blockedUntil: null,
    })
  })

  it('reads a counter, and null for one never counted', async () => {
    const key = `read-${uniqueId()}`
    await counters.incrementCounter(key, NOW, 60)
    await counters.incrementCounter(key, NOW, 60)

    expect(await counters.readCounter(key)).toEqual({
      count: 2,
      windowStartedAt: NOW,
      blockedUntil: null,
    })
    expect(await counters.readCounter(`never-${uniqueId()}`)).toBeNull()
  })

  it('blocks a counter until a time, and keeps the block across a new window', async () => {
    const key = `block-${uniqueId()}`
    await counters.incrementCounter(key, NOW, 60)
    await counters.blockCounter(key, NOW + 300)

    expect(await counters.readCounter(key)).toMatchObject({ count: 1, blockedUntil: NOW + 300 })
    expect(await counters.incrementCounter(key, NOW + 120, 60)).toEqual({
      count: 1,
      windowStartedAt: NOW + 120,
      blockedUntil: NOW + 300,
    })
  })

  it('does not create a counter by blocking one that does not exist', async () => {
    const key = `ghost-${uniqueId()}`
    await counters.blockCounter(key, NOW + 300)
    expect(await counters.readCounter(key)).toBeNull()
  })

  it('deletes a counter', async () => {
    const key = `delete-${uniqueId()}`
    await counters.incrementCounter(key, NOW, 60)
    await counters.blockCounter(key, NOW + 300)
    await counters.deleteCounter(key)

    expect(await counters.readCounter(key)).toBeNull()
    expect(await counters.incrementCounter(key, NOW, 60)).toMatchObject({
      count: 1,
      blockedUntil: null,
    })
  })

  it('deletes counters idle since a time, and counts them', async () => {
    const idle = `idle-${uniqueId()}`
    const blocked = `blocked-${uniqueId()}`
    const busy = `busy-${uniqueId()}`
    await counters.incrementCounter(idle, NOW - 1000, 60)
    await counters.incrementCounter(blocked, NOW - 1000, 60)
    await counters.blockCounter(blocked, NOW + 1000)
    await counters.incrementCounter(busy, NOW, 60)

    expect(await counters.deleteCountersIdleSince(NOW - 500)).toBeGreaterThanOrEqual(1)
    expect(await counters.readCounter(idle)).toBeNull()
    expect(await counters.readCounter(blocked)).not.toBeNull()
    expect(await counters.readCounter(busy)).not.toBeNull()
  })

  it('counts each of many concurrent increments from several instances once', async () => {
    const key = `concurrent-${uniqueId()}`
    const others = [await backend.another(), await backend.another()]
    const handles = [counters, ...others.map((other) => other.counters)]

    try {
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, index) =>
          handles[index % handles.length]!.incrementCounter(key, NOW, 60),
        ),
      )
      const counts = results.map((result) => result.count).sort((a, b) => a - b)
      expect(counts).toEqual(Array.from({ length: 30 }, (_, index) => index + 1))
      expect((await counters.readCounter(key))!.count).toBe(30)
    } finally {
      await Promise.all(others.map((other) => other.close()))
    }
  })
}
