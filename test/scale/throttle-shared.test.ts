import { randomBytes } from 'node:crypto'

import { afterAll, beforeAll, expect, it } from 'vitest'

import { PASSWORD, createUser, postJson } from '../support/api.js'
import { startInstances, type Instances } from '../support/instances.js'
import type { RunningServer } from '../support/server.js'
import { describeWithServices, type Service } from '../support/services.js'

const TOKEN_PATH = '/accounts/api/token/'

async function status(server: RunningServer, email: string, password: string): Promise<number> {
  return (await postJson(server, TOKEN_PATH, { email, password })).status
}

const backends: Array<[string, Service[], boolean]> = [
  ['counters in PostgreSQL', ['postgres'], false],
  ['counters in Redis', ['postgres', 'redis'], true],
]

for (const [name, services, redis] of backends) {
  describeWithServices(services, `login throttling shared by two instances, ${name}`, () => {
    let instances: Instances

    beforeAll(async () => {
      instances = await startInstances({ count: 2, redis })
      await createUser(instances.servers[0] as RunningServer, 'alice@example.com')
    })

    afterAll(async () => {
      await instances.stop()
    })

    it('counts failures on either instance toward one lock', async () => {
      const [first, second] = instances.servers as [RunningServer, RunningServer]
      const email = `nobody-${randomBytes(6).toString('hex')}@example.com`

      for (const target of [email, 'alice@example.com']) {
        const answers: number[] = []
        for (let index = 0; index < 10; index += 1) {
          answers.push(await status(index % 2 ? second : first, target, `wrong ${index}`))
        }
        expect(answers).toEqual(Array(10).fill(401))
        expect(await status(first, target, PASSWORD)).toBe(429)
        expect(await status(second, target, PASSWORD)).toBe(429)
      }
    })

    it('lets a parallel burst split over two instances past by at most one attempt', async () => {
      const email = `nobody-${randomBytes(6).toString('hex')}@example.com`
      const burst = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          status(instances.servers[index % 2] as RunningServer, email, `guess ${index}`),
        ),
      )

      const passed = burst.filter((answer) => answer === 401).length
      expect(passed).toBeGreaterThanOrEqual(10)
      expect(passed).toBeLessThanOrEqual(11)
      expect(burst.filter((answer) => answer === 429)).toHaveLength(20 - passed)
    })
  })
}
