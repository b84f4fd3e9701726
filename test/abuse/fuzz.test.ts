import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PASSWORD, createUser, login, type Tokens } from '../support/api.js'
import { b64u } from '../support/jwt.js'
import { settledLogs } from '../support/logs.js'
import { startServer, type RunningServer } from '../support/server.js'

/** Bounded: about 2,500 requests, well under a minute on two cores. */
const RUNS = 2_500
// A fixed seed makes the run repeatable; FUZZ_SEED explores other inputs.
const SEED = Number(process.env.FUZZ_SEED ?? 20_240_601)

let server: RunningServer
let tokens: Tokens

beforeAll(async () => {
  server = await startServer({
    env: {
      // Keep most logins reaching the password hash; a few accounts still lock.
      GATEHOUSE_LOGIN_FAILURES_PER_ADDRESS: '1000000',
      GATEHOUSE_LOGIN_FAILURES_PER_ACCOUNT: '20',
    },
  })
  await createUser(server, 'alice@example.com')
  // Never named by the generated requests: logs in at the end to show the server still works.
  await createUser(server, 'zed@example.com')
  tokens = await login(server, 'alice@example.com')
})

afterAll(async () => {
  await server.stop()
})

const REAL_PATHS = [
  '/accounts/api/token/',
  '/accounts/api/token/refresh/',
  '/accounts/api/token/verify/',
  '/accounts/api/token/blacklist/',
  '/accounts/api/logout/',
  '/accounts/api/password/',
  '/accounts/api/sessions/',
  '/accounts/api/sessions/abc/',
  '/api/protected/',
  '/.well-known/jwks.json',
  '/accounts/login/',
  '/accounts/logout/',
  '/accounts/profile/',
  '/healthz',
  '/readyz',
]

const PAGE_PATHS = new Set(['/accounts/login', '/accounts/logout', '/accounts/profile'])

/** Printable ASCII, the only text fetch lets into a header value. */
const headerText = (maxLength: number) =>
  fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength,
  })

const hex = fc.string({
  unit: fc.constantFrom(...'0123456789abcdef'),
  minLength: 12,
  maxLength: 12,
})

/** Passwords end in a unique marker, so the logs can be searched for every one sent. */
const password = fc
  .tuple(fc.string({ maxLength: 30, unit: 'grapheme' }), hex)
  .map(([text, marker]) => `${text}PW${marker}`)

const email = fc.oneof(
  fc.constantFrom(
    'alice@example.com',
    'ALICE@example.com',
    ' alice@example.com',
    'nobody@example.com',
  ),
  fc.emailAddress(),
  fc.string({ maxLength: 40, unit: 'binary' }),
)

const path = fc.oneof(
  { weight: 8, arbitrary: fc.constant('/accounts/api/token/') },
  { weight: 12, arbitrary: fc.constantFrom(...REAL_PATHS) },
  { weight: 2, arbitrary: fc.constantFrom(...REAL_PATHS).map((known) => known.replace(/\/$/, '')) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom(...REAL_PATHS), fc.webSegment()).map(([a, b]) => a + b),
  },
  { weight: 2, arbitrary: fc.webPath().map((webPath) => webPath || '/') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/%00',
      '/%2e%2e/%2e%2e/etc/passwd',
      '//accounts//api//token//',
      '/%ff%fe',
      '/a;b=c',
    ),
  },
)

const query = fc.option(fc.webQueryParameters(), { nil: undefined })

function tokenArbitrary() {
  const real = fc.constantFrom(tokens.access, tokens.refresh)
  return fc.oneof(
    real,
    fc.tuple(real, fc.nat(), fc.constantFrom(...'Aa0_-.x')).map(([token, at, character]) => {
      const index = at % token.length
      return token.slice(0, index) + character + token.slice(index + 1)
    }),
    fc
      .tuple(fc.jsonValue(), fc.jsonValue(), headerText(20))
      .map(([header, payload, signature]) =>
        [b64u(JSON.stringify(header) ?? ''), b64u(JSON.stringify(payload) ?? ''), signature].join(
          '.',
        ),
      ),
    headerText(60),
  )
}

function bodyArbitrary() {
  const token = tokenArbitrary()
  const loginObject = fc.oneof(
    fc.record({ email, password }),
    fc.record({ email, password, extra: fc.jsonValue() }, { requiredKeys: [] }),
  )
  const tokenObject = fc.record({ refresh: token, token, all: fc.boolean() }, { requiredKeys: [] })
  const passwordChange = fc.record(
    { old_password: password, new_password: password },
    { requiredKeys: [] },
  )
  const asForm = (value: Record<string, unknown>) =>
    new URLSearchParams(
      Object.entries(value).map(([name, item]) => [name, formValue(item)]),
    ).toString()

  return fc.oneof(
    { weight: 6, arbitrary: loginObject.map((value) => JSON.stringify(value)) },
    loginObject.map(asForm),
    tokenObject.map((value) => JSON.stringify(value)),
    passwordChange.map((value) => JSON.stringify(value)),
    fc.json(),
    fc.string({ maxLength: 200, unit: 'binary' }),
    fc
      .dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 40 })
      .map(asForm),
    fc.nat({ max: 40_000 }).map((depth) => '['.repeat(depth % 9000)),
    fc.constant('x'.repeat(20_000)),
    fc.constant(''),
  )
}

function formValue(item: unknown): string {
  return typeof item === 'string' ? item : (JSON.stringify(item) ?? '')
}

function requestArbitrary() {
  const contentType = fc.option(
    fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      { weight: 2, arbitrary: fc.constant('application/x-www-form-urlencoded') },
      fc.constantFrom(
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        'application/json; charset=latin1',
        'application/xml',
      ),
      headerText(30),
    ),
    { nil: undefined, freq: 10 },
  )
  const headers = fc.record(
    {
      authorization: fc.oneof(
        tokenArbitrary().map((token) => `Bearer ${token}`),
        headerText(80),
      ),
      cookie: fc.oneof(
        headerText(80),
        tokenArbitrary().map((token) => `sessionid=${token}; gatehouse_session=${token}`),
      ),
      'x-forwarded-for': fc.oneof(fc.ipV4(), fc.ipV6(), headerText(30)),
      forwarded: headerText(40),
      origin: fc.oneof(fc.constant('https://evil.example'), fc.webUrl()),
      'sec-fetch-site': fc.constantFrom('cross-site', 'same-site', 'same-origin', 'none'),
      accept: fc.constantFrom('*/*', 'text/html', 'application/json'),
      'x-custom': headerText(100),
    },
    { requiredKeys: [] },
  )

  return fc.record({
    method: fc.oneof(
      { weight: 6, arbitrary: fc.constant('POST') },
      fc.constantFrom('GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
    ),
    path,
    query,
    contentType,
    headers,
    body: bodyArbitrary(),
  })
}

type FuzzRequest = {
  method: string
  path: string
  query: string | undefined
  contentType: string | undefined
  headers: Record<string, string>
  body: string
}

const secretsSent = new Set<string>()
/** How often each status and error code came back: proof the requests reached the routes. */
const seen = new Map<string, number>()

function tally(key: string): void {
  seen.set(key, (seen.get(key) ?? 0) + 1)
}

function remember(request: FuzzRequest): void {
  for (const match of request.body.matchAll(/PW[0-9a-f]{12}/g)) secretsSent.add(match[0])
  const values = [request.headers.authorization ?? '', request.headers.cookie ?? '', request.body]
  for (const token of [tokens.access, tokens.refresh]) {
    if (values.some((value) => value.includes(token))) secretsSent.add(token)
  }
}

async function send(request: FuzzRequest): Promise<Response> {
  const headers: Record<string, string> = { ...request.headers }
  if (request.contentType !== undefined) headers['content-type'] = request.contentType
  const withBody = request.method !== 'GET' && request.method !== 'HEAD'
  const url = request.path + (request.query ? `?${request.query}` : '')

  return server.request(url, {
    method: request.method,
    headers,
    ...(withBody ? { body: request.body } : {}),
  })
}

async function checkAnswer(request: FuzzRequest, response: Response): Promise<void> {
  const text = await response.text()
  const where = `${request.method} ${request.path} -> ${response.status} ${text.slice(0, 200)}`
  expect(response.status, where).toBeLessThan(500)
  tally(String(response.status))

  if (request.method === 'HEAD') {
    expect(text, where).toBe('')
    return
  }
  if (response.status < 400) return

  if (response.headers.get('content-type')?.startsWith('text/html')) {
    // The web pages answer their own errors with an HTML page; no other route may.
    expect(
      PAGE_PATHS.has(new URL(request.path, server.url).pathname.replace(/\/$/, '')),
      where,
    ).toBe(true)
    expect(text, where).toMatch(/^<!doctype html>/i)
    expect(text, where).not.toMatch(/node_modules|\bat \w+ \(|Error:/)
    tally('html_page')
    return
  }

  const body = JSON.parse(text) as Record<string, unknown>
  expect(typeof body.detail, where).toBe('string')
  expect(body.code, where).toMatch(/^[a-z]+(_[a-z]+)*$/)
  tally(body.code as string)
}

describe('generated requests against the real server', () => {
  it(`never answer 5xx, explain every error, leak nothing to logs (${RUNS} requests)`, async () => {
    await fc.assert(
      fc.asyncProperty(requestArbitrary(), async (request) => {
        remember(request)
        await checkAnswer(request, await send(request))
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    )

    const health = await server.request('/healthz')
    expect(health.status).toBe(200)
    expect((await login(server, 'zed@example.com', PASSWORD)).access).toBeTruthy()

    const reached = ['200', '204', '404', '405', '413', '415', 'invalid_request', 'token_not_valid']
    for (const key of [...reached, 'not_authenticated']) {
      expect(seen.get(key) ?? 0, JSON.stringify([...seen])).toBeGreaterThan(0)
    }
    // Enough logins reached the password hash to matter.
    expect(seen.get('invalid_credentials') ?? 0, JSON.stringify([...seen])).toBeGreaterThan(20)

    const logs = (await settledLogs(server)).join('\n')
    expect(secretsSent.size).toBeGreaterThan(100)
    for (const secret of secretsSent) expect(logs.includes(secret), secret).toBe(false)
  }, 360_000)
})
