import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PASSWORD, createUser, postJson } from '../support/api.js'
import { startServer, type RunningServer } from '../support/server.js'

const TOKEN_PATH = '/accounts/api/token/'

let server: RunningServer

beforeAll(async () => {
  server = await startServer({
    env: {
      // Many failures on purpose: no lock may interfere with what is measured.
      GATEHOUSE_LOGIN_FAILURES_PER_ACCOUNT: '100000',
      GATEHOUSE_LOGIN_FAILURES_PER_ADDRESS: '1000000',
      // A costlier hash makes the difference a skipped hash would leave easy to see.
      GATEHOUSE_PASSWORD_HASH_ITERATIONS: '6',
    },
  })
  await createUser(server, 'alice@example.com')
  await createUser(server, 'sleeping@example.com', PASSWORD, ['--inactive'])
})

afterAll(async () => {
  await server.stop()
})

const cases = {
  wrongPassword: { email: 'alice@example.com', password: 'not the password' },
  unknownEmail: { email: 'nobody-4f1c9a@example.com', password: 'not the password' },
  inactiveWrongPassword: { email: 'sleeping@example.com', password: 'not the password' },
  inactiveRightPassword: { email: 'sleeping@example.com', password: PASSWORD },
}
type CaseName = keyof typeof cases

describe('login failures do not tell which emails have accounts (B24)', () => {
  it('answers wrong password, unknown email and inactive user with the same bytes', async () => {
    const answers = []
    for (const attempt of Object.values(cases)) {
      const response = await postJson(server, TOKEN_PATH, attempt)
      const headers = [...response.headers].filter(([name]) => name !== 'date')
      answers.push({ status: response.status, headers, body: await response.text() })
    }

    expect(answers[0]?.status).toBe(401)
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0])
  })

  it('takes as long for each as a password hash, by medians of interleaved samples', async () => {
    const names = Object.keys(cases) as CaseName[]
    const samples = new Map<CaseName | 'noHash', number[]>([['noHash', []]])
    for (const name of names) samples.set(name, [])

    // Warm up every path (the dummy hash of unknown emails is made on first use).
    for (let round = 0; round < 5; round += 1) {
      for (const name of names) await timed(() => postJson(server, TOKEN_PATH, cases[name]))
    }

    for (let round = 0; round < 40; round += 1) {
      const order = rotate([...names, 'noHash'] as const, round)
      for (const name of order) {
        const elapsed = await timed(() =>
          name === 'noHash'
            ? // Refused before any hash: what an answer costs without one.
              postJson(server, TOKEN_PATH, { email: 'alice@example.com\u0000', password: 'x' })
            : postJson(server, TOKEN_PATH, cases[name]),
        )
        samples.get(name)?.push(elapsed)
      }
    }

    const medians = Object.fromEntries(
      [...samples].map(([name, values]) => [name, median(values)]),
    ) as Record<CaseName | 'noHash', number>
    const hashCost = medians.wrongPassword - medians.noHash

    // The measurement can see a hash at all: otherwise the comparison below proves nothing.
    expect(medians.wrongPassword, JSON.stringify(medians)).toBeGreaterThan(medians.noHash * 2)
    for (const name of names) {
      const gap = Math.abs(medians[name] - medians.wrongPassword)
      expect(gap, JSON.stringify(medians)).toBeLessThan(hashCost / 2)
    }
  })
})

async function timed(request: () => Promise<Response>): Promise<number> {
  const started = performance.now()
  const response = await request()
  await response.arrayBuffer()
  return performance.now() - started
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length
  return [...items.slice(shift), ...items.slice(0, shift)]
}
