import { describe, expect, it } from 'vitest'

import { RecentUsers } from '../../src/accounts/recent-users.js'
import type { UserRecord } from '../../src/storage/types.js'

const MAX_AGE_MILLISECONDS = 250

function frozenClock(startMilliseconds = 1_800_000_000_000) {
  const clock = { now: startMilliseconds, nowMilliseconds: () => clock.now }
  return clock
}

function user(id: number, email = `user-${id}@example.com`): UserRecord {
  return {
    id,
    email,
    emailKey: email,
    username: null,
    passwordHash: 'unused',
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    lastLoginAt: null,
    createdAt: 1_800_000_000,
    passwordChangedAt: 1_800_000_000,
  }
}

describe('recently read users', () => {
  it('answers a user read within the maximum age', () => {
    const clock = frozenClock()
    const recent = new RecentUsers(clock, MAX_AGE_MILLISECONDS)
    recent.remember(user(1), recent.beginRead())

    clock.now += MAX_AGE_MILLISECONDS - 1
    expect(recent.get(1)?.id).toBe(1)
  })

  it('forgets a user once the maximum age has passed since the read began', () => {
    const clock = frozenClock()
    const recent = new RecentUsers(clock, MAX_AGE_MILLISECONDS)
    const ticket = recent.beginRead()
    clock.now += 100
    recent.remember(user(1), ticket)

    clock.now += MAX_AGE_MILLISECONDS - 100
    expect(recent.get(1)).toBeUndefined()
  })

  it('forgets a user this process changed', () => {
    const recent = new RecentUsers(frozenClock(), MAX_AGE_MILLISECONDS)
    recent.remember(user(1), recent.beginRead())

    recent.forget(1)
    expect(recent.get(1)).toBeUndefined()
  })

  it('keeps out a read that was under way when a user changed', () => {
    const recent = new RecentUsers(frozenClock(), MAX_AGE_MILLISECONDS)
    const ticket = recent.beginRead()

    recent.forget(1)
    recent.remember(user(1), ticket)
    expect(recent.get(1)).toBeUndefined()
  })

  it('keeps nothing when the maximum age is zero', () => {
    const recent = new RecentUsers(frozenClock(), 0)
    recent.remember(user(1), recent.beginRead())
    expect(recent.get(1)).toBeUndefined()
  })
})
