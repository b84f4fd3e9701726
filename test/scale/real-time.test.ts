import { afterEach, describe, expect, it } from 'vitest'

import { parseSettings } from '../../src/config/load.js'
import type { Clock } from '../../src/core/clock.js'
import { Gatehouse } from '../../src/gatehouse.js'
import { openStorage } from '../../src/storage/open.js'
import { pollUntil } from '../support/instances.js'
import { SteppedClock } from '../support/stepped-clock.js'

let gatehouse: Gatehouse | undefined

afterEach(async () => {
  await gatehouse?.close()
  gatehouse = undefined
})

/** A library user's Gatehouse: in process, on a clock the test controls, background work on. */
async function open(clock: Clock): Promise<Gatehouse> {
  const settings = parseSettings({
    GATEHOUSE_DATABASE_URL: 'sqlite::memory:',
    GATEHOUSE_REVOCATION_SYNC_INTERVAL: '50ms',
  })
  const storage = await openStorage(settings.databaseUrl, { migrate: true })
  gatehouse = new Gatehouse({ settings, storage, clock })
  await gatehouse.load()
  gatehouse.startBackgroundWork()
  return gatehouse
}

// The revocation bound and the key activation delay are real elapsed time, not token time:
// a frozen or stepped clock, as tests use, must not stop a key or refuse every token.
describe('propagation delays on a clock the application controls', () => {
  it('starts signing with a rotated key although the clock is frozen', async () => {
    const instance = await open(new SteppedClock())
    const rotated = await instance.keys.rotate()

    await pollUntil('the new key signs', Date.now() + 5000, async () => {
      return instance.keys.signingKey().kid === rotated.kid
    })
  })

  it('accepts an access token after the clock jumps ahead of the last sync', async () => {
    const clock = new SteppedClock()
    const instance = await open(clock)
    const user = await instance.accounts.createUser({
      email: 'alice@example.com',
      password: 'a long passphrase',
    })
    const client = { userAgent: null, clientIp: null }
    const tokens = await instance.sessions.startApiSession(user, client)

    clock.advanceSeconds(60)
    expect(instance.sessions.authenticateAccessToken(tokens.access).userId).toBe(user.id)
  })
})
