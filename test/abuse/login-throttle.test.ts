import { randomBytes } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  PASSWORD,
  bearer,
  createUser,
  getProtected,
  login,
  postJson,
  refresh,
  sleep,
} from '../support/api.js'
import { settledLogs } from '../support/logs.js'
import { startServer, type RunningServer } from '../support/server.js'
import { WebClient } from '../support/web.js'

const TOKEN_PATH = '/accounts/api/token/'

interface Answer {
  status: number
  body: string
  headers: Record<string, string>
}

async function attempt(
  server: RunningServer,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await postJson(server, TOKEN_PATH, { email, password }, headers)
  const kept = [...response.headers].filter(([name]) => name !== 'date')
  return { status: response.status, body: await response.text(), headers: Object.fromEntries(kept) }
}

async function attempts(
  server: RunningServer,
  count: number,
  email: string,
  headers: (index: number) => Record<string, string> = () => ({}),
): Promise<Answer[]> {
  const answers: Answer[] = []
  for (let index = 0; index < count; index += 1) {
    answers.push(await attempt(server, email, `wrong password ${index}`, headers(index)))
  }
  return answers
}

function statuses(answers: Answer[]): number[] {
  return answers.map((answer) => answer.status)
}

function expectThrottled(answer: Answer, maxSeconds: number): void {
  expect(answer.status).toBe(429)
  expect(JSON.parse(answer.body)).toEqual({
    detail: 'Too many failed login attempts. Try again later.',
    code: 'throttled',
  })
  const retryAfter = Number(answer.headers['retry-after'])
  expect(Number.isInteger(retryAfter)).toBe(true)
  expect(retryAfter).toBeGreaterThanOrEqual(1)
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds)
}

function nobody(): string {
  return `nobody-${randomBytes(6).toString('hex')}@example.com`
}

function spoofed(index: number): Record<string, string> {
  return {
    'x-forwarded-for': `198.51.100.${index + 1}`,
    forwarded: `for=198.51.100.${index + 1}`,
    'x-real-ip': `198.51.100.${index + 1}`,
  }
}

const TEN_401_THEN_429 = [...Array(10).fill(401), ...Array(10).fill(429)]

describe('brute force on one account (B25): limit 10, lock 5 s doubling to 10 s', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({
      env: {
        GATEHOUSE_LOGIN_LOCK_BASE: '5s',
        GATEHOUSE_LOGIN_LOCK_MAX: '10s',
        GATEHOUSE_LOGIN_FAILURES_PER_ADDRESS: '1000',
      },
    })
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank']) {
      await createUser(server, `${name}@example.com`)
    }
  })

  afterAll(async () => {
    await server.stop()
  })

  it('locks after 10 failures, refuses even the right password, spares live sessions', async () => {
    const live = await login(server, 'alice@example.com')

    const answers = await attempts(server, 20, 'alice@example.com')
    expect(statuses(answers)).toEqual(TEN_401_THEN_429)
    for (const answer of answers.slice(10)) expectThrottled(answer, 5)

    expectThrottled(await attempt(server, 'alice@example.com', PASSWORD), 5)

    expect((await getProtected(server, live.access)).status).toBe(200)
    const refreshed = await refresh(server, live.refresh)
    expect(refreshed.status).toBe(200)
    const sessions = await server.request('/accounts/api/sessions/', {
      headers: bearer(live.access),
    })
    expect(sessions.status).toBe(200)
  })

  it('answers an unknown email as an existing account, from the same attempt on', async () => {
    const known = await attempts(server, 20, 'carol@example.com')
    const unknown = await attempts(server, 20, nobody())

    expect(statuses(unknown)).toEqual(statuses(known))
    expect(statuses(known)).toEqual(TEN_401_THEN_429)
    for (let index = 0; index < 20; index += 1) {
      const [a, b] = [known[index] as Answer, unknown[index] as Answer]
      expect(b.body).toBe(a.body)
      expect(Object.keys(b.headers).sort()).toEqual(Object.keys(a.headers).sort())
    }
  })

  it('lets another user log in while one account is locked', async () => {
    expect((await attempt(server, 'bob@example.com', PASSWORD)).status).toBe(200)
  })

  it('counts a parallel burst of wrong passwords one by one: exactly 10 get through', async () => {
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        attempt(server, 'dave@example.com', `guess ${index}`),
      ),
    )
    const counted = statuses(burst)
    expect(counted.filter((status) => status === 401)).toHaveLength(10)
    expect(counted.filter((status) => status === 429)).toHaveLength(10)
  })

  it('is not reset by spoofed X-Forwarded-For or Forwarded headers', async () => {
    const email = nobody()
    const answers = await attempts(server, 20, email, spoofed)
    expect(statuses(answers)).toEqual(TEN_401_THEN_429)
  })

  it('takes the right password after the cooldown; the success resets the counter', async () => {
    // An account of its own: whatever ran before, its lock starts here.
    expect(statuses(await attempts(server, 10, 'frank@example.com'))).toEqual(Array(10).fill(401))
    const locked = await attempt(server, 'frank@example.com', PASSWORD)
    expectThrottled(locked, 5)
    await sleep((Number(locked.headers['retry-after']) + 1) * 1000)

    expect((await attempt(server, 'frank@example.com', PASSWORD)).status).toBe(200)

    const again = await attempts(server, 11, 'frank@example.com')
    expect(statuses(again)).toEqual([...Array(10).fill(401), 429])
  })

  it('counts the web login form and the API login as one account', async () => {
    const browser = new WebClient(server)
    expect(statuses(await attempts(server, 5, 'erin@example.com'))).toEqual(Array(5).fill(401))
    for (let index = 0; index < 5; index += 1) {
      const csrfToken = await browser.openLoginForm()
      const form = { email: 'erin@example.com', password: 'wrong', csrf_token: csrfToken }
      expect((await browser.post('/accounts/login/', form)).status).toBe(200)
    }

    const csrfToken = await browser.openLoginForm()
    const form = { email: 'erin@example.com', password: PASSWORD, csrf_token: csrfToken }
    const refused = await browser.post('/accounts/login/', form)
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expectThrottled(await attempt(server, 'erin@example.com', PASSWORD), 5)
  })

  it('logs the lock and the refusals, without the email', async () => {
    const lines = (await settledLogs(server)).filter((line) =>
      /"event":"login\.(throttled|locked)"/.test(line),
    )
    expect(lines.some((line) => line.includes('"event":"login.locked"'))).toBe(true)
    expect(lines.some((line) => line.includes('"scope":"account"'))).toBe(true)
    for (const line of lines) expect(line).not.toContain('@example.com')
  })
})

describe('a locked account keeps failing over back-off', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({
      env: {
        GATEHOUSE_LOGIN_FAILURES_PER_ACCOUNT: '3',
        // Whole seconds: a 2 s lock holds at least 1 s, whatever the moment it starts.
        GATEHOUSE_LOGIN_LOCK_BASE: '2s',
        GATEHOUSE_LOGIN_LOCK_MAX: '8s',
      },
    })
    await createUser(server, 'alice@example.com')
  })

  afterAll(async () => {
    await server.stop()
  })

  it('locks again after a single failure once locked, for twice as long', async () => {
    expect(statuses(await attempts(server, 4, 'alice@example.com'))).toEqual([401, 401, 401, 429])
    await sleep(3_000)

    // The allowance does not come back: one more failure locks again, now for 4 s.
    expect(statuses(await attempts(server, 2, 'alice@example.com'))).toEqual([401, 429])
    const locked = await attempt(server, 'alice@example.com', PASSWORD)
    expectThrottled(locked, 4)
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(3)
  })
})

describe('per-address limit when no proxy is trusted', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({
      env: {
        GATEHOUSE_LOGIN_FAILURES_PER_ADDRESS: '5',
        GATEHOUSE_LOGIN_FAILURES_PER_ACCOUNT: '1000',
      },
    })
    await createUser(server, 'bob@example.com')
  })

  afterAll(async () => {
    await server.stop()
  })

  it('records the socket address, not a spoofed forwarding header', async () => {
    const tokens = await login(server, 'bob@example.com')
    await postJson(server, TOKEN_PATH, { email: 'bob@example.com', password: PASSWORD }, spoofed(7))
    const response = await server.request('/accounts/api/sessions/', {
      headers: bearer(tokens.access),
    })
    const { sessions } = (await response.json()) as { sessions: Array<{ client_ip: string }> }
    expect(sessions.length).toBe(2)
    for (const session of sessions) expect(session.client_ip).toBe('127.0.0.1')
  })

  it('locks the address after 5 failures on any accounts, whatever headers claim', async () => {
    const answers: Answer[] = []
    for (let index = 0; index < 6; index += 1) {
      answers.push(await attempt(server, nobody(), 'wrong password', spoofed(index)))
    }
    expect(statuses(answers)).toEqual([401, 401, 401, 401, 401, 429])

    const bob = await attempt(server, 'bob@example.com', PASSWORD, spoofed(99))
    expect(bob.status).toBe(429)
  })
})

describe('per-address limit behind a trusted proxy (GATEHOUSE_TRUSTED_PROXIES=127.0.0.1)', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({
      env: {
        GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1',
        GATEHOUSE_LOGIN_FAILURES_PER_ADDRESS: '5',
        GATEHOUSE_LOGIN_FAILURES_PER_ACCOUNT: '1000',
      },
    })
    await createUser(server, 'bob@example.com')
  })

  afterAll(async () => {
    await server.stop()
  })

  it('records the client address the proxy forwards', async () => {
    const response = await postJson(
      server,
      TOKEN_PATH,
      { email: 'bob@example.com', password: PASSWORD },
      { 'x-forwarded-for': '203.0.113.7' },
    )
    const tokens = (await response.json()) as { access: string }
    await postJson(
      server,
      TOKEN_PATH,
      { email: 'bob@example.com', password: PASSWORD },
      { forwarded: 'for=192.0.2.60' },
    )

    const listed = await server.request('/accounts/api/sessions/', {
      headers: bearer(tokens.access),
    })
    const { sessions } = (await listed.json()) as { sessions: Array<{ client_ip: string }> }
    const addresses = sessions.map((session) => session.client_ip).sort()
    // Only X-Forwarded-For is believed; a Forwarded header is ignored even from the proxy.
    expect(addresses).toEqual(['127.0.0.1', '203.0.113.7'])
  })

  it('counts failures per forwarded client address', async () => {
    const from = (address: string) => ({ 'x-forwarded-for': address })
    const answers: Answer[] = []
    for (let index = 0; index < 6; index += 1) {
      answers.push(await attempt(server, nobody(), 'wrong password', from('198.51.100.1')))
    }
    expect(statuses(answers)).toEqual([401, 401, 401, 401, 401, 429])

    expect((await attempt(server, 'bob@example.com', PASSWORD, from('198.51.100.1'))).status).toBe(
      429,
    )
    expect((await attempt(server, 'bob@example.com', PASSWORD, from('198.51.100.2'))).status).toBe(
      200,
    )
  })

  it('counts an IPv6 client by its /64 network', async () => {
    const from = (address: string) => ({ 'x-forwarded-for': address })
    const answers: Answer[] = []
    for (let index = 1; index <= 6; index += 1) {
      answers.push(
        await attempt(server, nobody(), 'wrong password', from(`2001:db8:1:2::${index}`)),
      )
    }
    expect(statuses(answers)).toEqual([401, 401, 401, 401, 401, 429])

    const sameNetwork = from('2001:db8:1:2:ffff:ffff:ffff:ffff')
    expect((await attempt(server, 'bob@example.com', PASSWORD, sameNetwork)).status).toBe(429)
    const otherNetwork = from('2001:db8:1:3::1')
    expect((await attempt(server, 'bob@example.com', PASSWORD, otherNetwork)).status).toBe(200)
  })
})

describe('legitimate bursts are not refused: only failures count', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({
      env: {
        GATEHOUSE_LOGIN_FAILURES_PER_ACCOUNT: '5',
        GATEHOUSE_LOGIN_FAILURES_PER_ADDRESS: '5',
      },
    })
    await createUser(server, 'alice@example.com')
    await createUser(server, 'bob@example.com')
  })

  afterAll(async () => {
    await server.stop()
  })

  it('accepts 16 parallel logins with the right password from one address', async () => {
    const burst = await Promise.all(
      Array.from({ length: 16 }, () => attempt(server, 'alice@example.com', PASSWORD)),
    )
    expect(statuses(burst)).toEqual(Array(16).fill(200))
  })

  it('accepts 16 parallel logins of two users interleaved, after a few typos', async () => {
    await attempts(server, 3, 'alice@example.com')
    const burst = await Promise.all(
      Array.from({ length: 16 }, (_, index) =>
        attempt(server, index % 2 ? 'alice@example.com' : 'bob@example.com', PASSWORD),
      ),
    )
    expect(statuses(burst)).toEqual(Array(16).fill(200))
  })

  it('still counts failures here: the sixth wrong password is refused (control)', async () => {
    const answers = await attempts(server, 6, 'bob@example.com')
    expect(statuses(answers).slice(-1)).toEqual([429])
  })
})

describe('the global ceiling on failed logins', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({
      env: {
        GATEHOUSE_LOGIN_FAILURES_GLOBAL: '5',
        GATEHOUSE_LOGIN_FAILURE_WINDOW: '1m',
        GATEHOUSE_TRUSTED_PROXIES: '127.0.0.1',
      },
    })
    await createUser(server, 'alice@example.com')
  })

  afterAll(async () => {
    await server.stop()
  })

  it('refuses every password attempt, from any address, once reached in the window', async () => {
    expect((await attempt(server, 'alice@example.com', PASSWORD)).status).toBe(200)
    for (let index = 0; index < 5; index += 1) {
      const answer = await attempt(server, nobody(), 'wrong', {
        'x-forwarded-for': `203.0.113.${index + 1}`,
      })
      expect(answer.status).toBe(401)
    }

    const refused = await attempt(server, 'alice@example.com', PASSWORD, {
      'x-forwarded-for': '192.0.2.1',
    })
    expectThrottled(refused, 60)
  })
})

describe('refresh, verify and blacklist are rate-limited per address', () => {
  let server: RunningServer

  beforeAll(async () => {
    server = await startServer({
      env: { GATEHOUSE_TOKEN_REQUESTS_PER_ADDRESS: '5', GATEHOUSE_TOKEN_REQUEST_WINDOW: '1m' },
    })
    await createUser(server, 'alice@example.com')
  })

  afterAll(async () => {
    await server.stop()
  })

  it('answers 429 with Retry-After past the limit, spoofed headers or not', async () => {
    const tokens = await login(server, 'alice@example.com')
    const paths = ['refresh', 'verify', 'blacklist', 'verify', 'refresh']
    for (const name of paths) {
      const response = await postJson(server, `/accounts/api/token/${name}/`, {
        token: 'x',
        refresh: 'x',
      })
      expect(response.status).toBe(401)
    }

    for (const headers of [{}, spoofed(3)]) {
      const refused = await postJson(
        server,
        '/accounts/api/token/refresh/',
        { refresh: tokens.refresh },
        headers,
      )
      expect(refused.status).toBe(429)
      expect(await refused.json()).toEqual({
        detail: 'Too many requests. Try again later.',
        code: 'throttled',
      })
      const retryAfter = Number(refused.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThanOrEqual(1)
      expect(retryAfter).toBeLessThanOrEqual(60)
    }
  })

  it('leaves login and Bearer-protected routes alone', async () => {
    const tokens = await login(server, 'alice@example.com')
    expect((await getProtected(server, tokens.access)).status).toBe(200)
  })
})
