import { connect } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PASSWORD, createUser, expectError, login, postJson, postRaw } from '../support/api.js'
import { TEST_KEY, resigned } from '../support/jwt.js'
import { startServer, type RunningServer } from '../support/server.js'

const TOKEN_PATH = '/accounts/api/token/'

let server: RunningServer

beforeAll(async () => {
  server = await startServer({
    env: { GATEHOUSE_SIGNING_KEY: TEST_KEY, GATEHOUSE_LOGIN_FAILURES_PER_ADDRESS: '100000' },
  })
  await createUser(server, 'alice@example.com')
})

afterAll(async () => {
  await server.stop()
})

/** Sends bytes on a fresh connection and returns whatever comes back before it closes. */
function rawExchange(bytes: string): Promise<string> {
  const port = Number(new URL(server.url).port)
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes))
    let received = ''
    socket.on('data', (chunk) => (received += chunk))
    socket.on('close', () => resolve(received))
    socket.on('error', reject)
  })
}

function nested(depth: number, leaf = '1'): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth)
}

describe('the request body limit (16 KiB)', () => {
  it('answers 413 to a JSON or form body over the limit, on any route', async () => {
    const big = 'x'.repeat(17_000)
    await expectError(
      await postJson(server, TOKEN_PATH, { email: big, password: big }),
      413,
      'payload_too_large',
    )
    await expectError(
      await postRaw(
        server,
        TOKEN_PATH,
        'application/x-www-form-urlencoded',
        `email=${big}&password=x`,
      ),
      413,
      'payload_too_large',
    )
    await expectError(
      await postJson(server, '/accounts/api/token/refresh/', { refresh: big }),
      413,
      'payload_too_large',
    )
  })

  it('reads a body just under the limit (control)', async () => {
    const response = await postJson(server, TOKEN_PATH, {
      email: 'alice@example.com',
      password: 'p'.repeat(16_000),
    })
    expect(response.status).toBe(401)
  })
})

describe('the header limit', () => {
  it('answers headers over 16 KiB with 431 and the documented body', async () => {
    const response = await server.request('/api/protected/', {
      headers: { authorization: `Bearer ${'x'.repeat(20_000)}` },
    })
    await expectError(response, 431, 'headers_too_large')
  })

  it('answers a request the HTTP parser cannot read with 400 and the documented body', async () => {
    const answer = await rawExchange('GARBAGE / HTTP/1.1\r\nHost: x\r\n\r\n')
    expect(answer).toMatch(/^HTTP\/1\.1 400 /)
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
      detail: 'The request could not be read.',
      code: 'invalid_request',
    })

    const health = await server.request('/healthz')
    expect(health.status).toBe(200)
  })
})

describe('the token length limit (GATEHOUSE_MAX_TOKEN_LENGTH)', () => {
  let short: RunningServer

  beforeAll(async () => {
    short = await startServer({
      env: { GATEHOUSE_SIGNING_KEY: TEST_KEY, GATEHOUSE_MAX_TOKEN_LENGTH: '512' },
    })
    await createUser(short, 'alice@example.com')
  })

  afterAll(async () => {
    await short.stop()
  })

  it('refuses a validly signed token over the limit and accepts it under', async () => {
    const tokens = await login(short, 'alice@example.com')
    const padded = resigned(tokens.access, { payload: { note: 'x'.repeat(300) } })
    expect(tokens.access.length).toBeLessThan(512)
    expect(padded.length).toBeGreaterThan(512)

    const status = async (token: string) =>
      (await short.request('/api/protected/', { headers: { authorization: `Bearer ${token}` } }))
        .status
    expect(await status(tokens.access)).toBe(200)
    expect(await status(padded)).toBe(401)
    expect(await status(resigned(tokens.access, { payload: { note: 'x'.repeat(10) } }))).toBe(200)
  })
})

describe('JSON nesting depth', () => {
  it('refuses a body nested over 32 levels with 400', async () => {
    for (const depth of [33, 100, 2_000]) {
      const body = `{"email":"alice@example.com","password":"x","extra":${nested(depth)}}`
      await expectError(
        await postRaw(server, TOKEN_PATH, 'application/json', body),
        400,
        'invalid_request',
      )
    }
  })

  it('refuses arrays nested thousands deep, up to the body limit, without a 500', async () => {
    for (const depth of [1_000, 8_000]) {
      const body = '['.repeat(depth) + ']'.repeat(depth)
      await expectError(
        await postRaw(server, TOKEN_PATH, 'application/json', body),
        400,
        'invalid_request',
      )
    }
  })

  it('reads a body nested 30 levels (control)', async () => {
    const body = `{"email":"alice@example.com","password":"${PASSWORD}","extra":${nested(30)}}`
    expect((await postRaw(server, TOKEN_PATH, 'application/json', body)).status).toBe(200)
  })

  it('refuses prototype-poisoning keys with 400', async () => {
    const bodies = [
      `{"email":"alice@example.com","password":"${PASSWORD}","__proto__":{"admin":true}}`,
      `{"email":"alice@example.com","password":"${PASSWORD}",` +
        '"constructor":{"prototype":{"admin":true}}}',
    ]
    for (const body of bodies) {
      await expectError(
        await postRaw(server, TOKEN_PATH, 'application/json', body),
        400,
        'invalid_request',
      )
    }
  })
})

describe('form field count', () => {
  const credentials = `email=alice%40example.com&password=${encodeURIComponent(PASSWORD)}`

  it('refuses a form with more than 32 fields', async () => {
    const extra = Array.from({ length: 31 }, (_, index) => `f${index}=1`).join('&')
    const response = await postRaw(
      server,
      TOKEN_PATH,
      'application/x-www-form-urlencoded',
      `${credentials}&${extra}`,
    )
    await expectError(response, 400, 'invalid_request')
  })

  it('reads a form of 32 fields (control)', async () => {
    const extra = Array.from({ length: 30 }, (_, index) => `f${index}=1`).join('&')
    const response = await postRaw(
      server,
      TOKEN_PATH,
      'application/x-www-form-urlencoded',
      `${credentials}&${extra}`,
    )
    expect(response.status).toBe(200)
  })

  it('refuses a field given twice', async () => {
    const response = await postRaw(
      server,
      TOKEN_PATH,
      'application/x-www-form-urlencoded',
      `${credentials}&email=bob%40example.com`,
    )
    await expectError(response, 400, 'invalid_request')
  })
})
