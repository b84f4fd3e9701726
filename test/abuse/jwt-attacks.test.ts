import { generateKeyPairSync, randomBytes, sign } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  claimsOf,
  createUser,
  getProtected,
  login,
  postJson,
  refresh,
  type Tokens,
} from '../support/api.js'
import {
  TEST_KEY,
  b64u,
  decodeSegment,
  edited,
  hmac,
  resigned,
  segments,
  signHmac,
  type Json,
} from '../support/jwt.js'
import { startServer, type RunningServer } from '../support/server.js'

let server: RunningServer
let alice: Tokens
let bob: Tokens
let bobId: number

beforeAll(async () => {
  server = await startServer({ env: { GATEHOUSE_SIGNING_KEY: TEST_KEY } })
  await createUser(server, 'alice@example.com')
  await createUser(server, 'bob@example.com')
  alice = await login(server, 'alice@example.com')
  bob = await login(server, 'bob@example.com')
  bobId = claimsOf(bob.access).user_id as number
})

afterAll(async () => {
  await server.stop()
})

/** A token that must be refused everywhere a token is read, with the generic answer. */
async function expectRefusedAccess(token: string): Promise<void> {
  const response = await getProtected(server, token)
  const text = await response.text()
  expect(response.status, token).toBe(401)
  expect(JSON.parse(text)).toEqual({
    detail: 'Token is invalid or expired',
    code: 'token_not_valid',
  })
  expect(response.headers.get('www-authenticate')).toBe('Bearer realm="api", error="invalid_token"')

  const verified = await postJson(server, '/accounts/api/token/verify/', { token })
  expect(verified.status, token).toBe(401)
}

async function expectAccepted(token: string): Promise<void> {
  const response = await getProtected(server, token)
  expect(response.status, token).toBe(200)
}

function aliceParts() {
  const [header, payload, signature] = segments(alice.access)
  return { header, payload, signature, kid: decodeSegment(header).kid as string }
}

describe('control: the forging helpers make tokens the server accepts', () => {
  it('accepts an access token re-signed unchanged with the deployment key', async () => {
    await expectAccepted(resigned(alice.access, {}))
  })

  it('accepts a refresh token re-signed unchanged with the deployment key', async () => {
    const fresh = await login(server, 'alice@example.com')
    const response = await refresh(server, resigned(fresh.refresh, {}))
    expect(response.status).toBe(200)
  })
})

describe('alg none in every spelling is refused (B01)', () => {
  const spellings = ['none', 'None', 'NONE', 'nOnE']

  for (const alg of spellings) {
    it(`refuses alg "${alg}" with an empty, missing or original signature`, async () => {
      const { payload, signature, kid } = aliceParts()
      const asBob = b64u({
        ...decodeSegment(payload),
        user_id: bobId,
        sub: String(bobId),
      })

      for (const header of [{ alg, typ: 'JWT' }, { alg, typ: 'JWT', kid }, { alg }]) {
        for (const body of [payload, asBob]) {
          const head = b64u(header)
          await expectRefusedAccess(`${head}.${body}.`)
          await expectRefusedAccess(`${head}.${body}`)
          await expectRefusedAccess(`${head}.${body}.${signature}`)
        }
      }
    })
  }

  it('refuses an unsigned refresh token', async () => {
    const fresh = await login(server, 'alice@example.com')
    const [, payload] = segments(fresh.refresh)
    for (const alg of spellings) {
      const response = await refresh(server, `${b64u({ alg, typ: 'JWT' })}.${payload}.`)
      expect(response.status).toBe(401)
    }
  })
})

describe('the algorithm comes from the server, not the header (B02 on an HS256 server)', () => {
  it('refuses RS256, ES256, EdDSA and PS256 headers with junk signatures', async () => {
    const { payload, kid } = aliceParts()
    const junk = randomBytes(256).toString('base64url')
    for (const alg of ['RS256', 'ES256', 'EdDSA', 'PS256', 'RS512']) {
      await expectRefusedAccess(`${b64u({ alg, typ: 'JWT', kid })}.${payload}.${junk}`)
    }
  })

  it('refuses HS384 and HS512 MACed with the right key', async () => {
    const { header, payload } = edited(alice.access, {})
    await expectRefusedAccess(signHmac({ ...header, alg: 'HS512' }, payload, TEST_KEY, 'sha512'))
    await expectRefusedAccess(signHmac({ ...header, alg: 'HS384' }, payload, TEST_KEY, 'sha384'))
  })

  it('refuses a right-key HS256 token whose header lacks the kid or names another', async () => {
    const { payload } = edited(alice.access, {})
    await expectRefusedAccess(signHmac({ alg: 'HS256', typ: 'JWT' }, payload))
    await expectRefusedAccess(signHmac({ alg: 'HS256', typ: 'JWT', kid: 'other' }, payload))
    await expectAccepted(signHmac({ alg: 'HS256', typ: 'JWT', kid: kidOf() }, payload))
  })
})

function kidOf(): string {
  return aliceParts().kid
}

describe('kid naming no key is refused, whatever it holds', () => {
  const kids = [
    '../../../../etc/passwd',
    '/dev/null',
    "' OR '1'='1",
    "x'; DROP TABLE signing_keys; --",
    '',
    'unknown-kid',
    '__proto__',
    'constructor',
    'a'.repeat(1000),
  ]

  it('refuses each such kid, MACed with the deployment key and with an empty key', async () => {
    const { payload } = edited(alice.access, {})
    for (const kid of kids) {
      await expectRefusedAccess(signHmac({ alg: 'HS256', typ: 'JWT', kid }, payload))
      await expectRefusedAccess(signHmac({ alg: 'HS256', typ: 'JWT', kid }, payload, ''))
    }
    const health = await server.request('/readyz')
    expect(health.status).toBe(200)
  })

  it('refuses a kid of another type than text', async () => {
    const { payload } = edited(alice.access, {})
    for (const kid of [1, null, ['k'], { kid: kidOf() }]) {
      await expectRefusedAccess(signHmac({ alg: 'HS256', typ: 'JWT', kid }, payload))
    }
  })
})

describe('keys and key URLs in the header are never fetched nor trusted (B03)', () => {
  let listener: Server
  let listenerUrl: string
  const received: string[] = []

  beforeAll(async () => {
    listener = createServer((request, response) => {
      received.push(`${request.method} ${request.url}`)
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ keys: [attacker.publicJwk] }))
    })
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
    listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    await new Promise((resolve) => listener.close(resolve))
  })

  const attacker = (() => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' }
    return { privateKey: pair.privateKey, publicJwk }
  })()

  function signRs256(header: Json, payload: Json): string {
    const input = `${b64u(header)}.${b64u(payload)}`
    const signature = sign('sha256', Buffer.from(input), attacker.privateKey)
    return `${input}.${signature.toString('base64url')}`
  }

  it('refuses tokens carrying jwk, jku, x5u or x5c and never requests their URLs', async () => {
    const { payload } = edited(alice.access, {})
    const asBob = { ...payload, user_id: bobId, sub: String(bobId) }
    const certificate = readFileSync(
      new URL('../fixtures/self-signed-cert.der.b64', import.meta.url),
      'utf8',
    ).trim()
    const headers: Json[] = [
      { alg: 'RS256', typ: 'JWT', jwk: attacker.publicJwk },
      { alg: 'RS256', typ: 'JWT', kid: 'k1', jku: `${listenerUrl}/jwks.json` },
      { alg: 'RS256', typ: 'JWT', kid: kidOf(), jku: `${listenerUrl}/jwks.json` },
      { alg: 'RS256', typ: 'JWT', x5u: `${listenerUrl}/cert.pem` },
      { alg: 'RS256', typ: 'JWT', x5c: [certificate] },
      { alg: 'RS256', typ: 'JWT', kid: kidOf(), x5c: [certificate] },
    ]

    for (const header of headers) {
      for (const claims of [payload, asBob]) await expectRefusedAccess(signRs256(header, claims))
    }
    const octJwk = { kty: 'oct', k: b64u('attacker') }
    await expectRefusedAccess(
      signHmac({ alg: 'HS256', typ: 'JWT', jwk: octJwk }, payload, 'attacker'),
    )
    await expectRefusedAccess(
      signHmac({ alg: 'HS256', typ: 'JWT', kid: kidOf(), jwk: octJwk }, payload, 'attacker'),
    )

    expect(received).toEqual([])
  })

  it('refuses those headers even on a token MACed with the deployment key', async () => {
    const { header, payload } = edited(alice.access, {})
    const extras: Json[] = [
      { jku: `${listenerUrl}/jwks.json` },
      { x5u: `${listenerUrl}/cert.pem` },
      { jwk: attacker.publicJwk },
      { x5c: ['AAAA'] },
      { x5t: 'AAAA' },
      { cty: 'JWT' },
    ]
    for (const extra of extras)
      await expectRefusedAccess(signHmac({ ...header, ...extra }, payload))

    expect(received).toEqual([])
  })
})

describe('crit and b64 header members are refused (B05)', () => {
  it('refuses every crit variant on a token MACed with the deployment key', async () => {
    const { header, payload } = edited(alice.access, {})
    const variants: Json[] = [
      { crit: ['x-policy'], 'x-policy': 'mfa' },
      { crit: [] },
      { crit: 'x-policy', 'x-policy': 'mfa' },
      { crit: ['alg'] },
      { crit: ['x-missing'] },
      { crit: ['exp'], exp: 1 },
    ]
    for (const variant of variants)
      await expectRefusedAccess(signHmac({ ...header, ...variant }, payload))
  })

  it('refuses unencoded payloads (b64: false) with and without crit', async () => {
    const { header, payload } = edited(alice.access, {})
    const raw = JSON.stringify(payload)

    for (const extra of [{ b64: false, crit: ['b64'] }, { b64: false }, { b64: true }]) {
      const head = b64u({ ...header, ...extra })
      const rawSignature = hmac('sha256', TEST_KEY, `${head}.${raw}`)
      await expectRefusedAccess(`${head}.${raw}.${rawSignature}`)
      await expectRefusedAccess(`${head}.${b64u(payload)}.${rawSignature}`)
      await expectRefusedAccess(`${head}..${rawSignature}`)
      await expectRefusedAccess(signHmac({ ...header, ...extra }, payload))
    }
  })
})

describe('a signature is always checked (B07)', () => {
  it('refuses edited claims under the original signature', async () => {
    const { header, payload, signature } = aliceParts()
    const claims = decodeSegment(payload)
    const edits: Json[] = [
      { user_id: bobId, sub: String(bobId) },
      { role: 'admin' },
      { is_superuser: true },
      { exp: (claims.exp as number) + 3600 },
      { sid: (claims.sid as string).replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) },
    ]
    for (const edit of edits) {
      await expectRefusedAccess(`${header}.${b64u({ ...claims, ...edit })}.${signature}`)
    }
  })

  it("refuses claims re-signed with 'secret', an empty key or a random key", async () => {
    const { header, payload } = edited(alice.access, {})
    const asBob = { ...payload, user_id: bobId, sub: String(bobId) }
    for (const key of ['secret', '', randomBytes(32), 'your-256-bit-secret']) {
      for (const claims of [payload, asBob])
        await expectRefusedAccess(signHmac(header, claims, key))
    }
  })

  it('refuses a token with an empty or truncated signature', async () => {
    const { header, payload, signature } = aliceParts()
    await expectRefusedAccess(`${header}.${payload}.`)
    await expectRefusedAccess(`${header}.${payload}.${signature.slice(0, -4)}`)
    await expectRefusedAccess(`${header}.${payload}.${signature}${signature}`)
  })

  it('never shows Bob to a forged token', async () => {
    const { header, payload } = edited(alice.access, {})
    const response = await getProtected(
      server,
      signHmac(header, { ...payload, user_id: bobId, sub: String(bobId) }, 'secret'),
    )
    expect(await response.text()).not.toContain('bob@example.com')
  })
})

describe('only one encoding of a token is accepted', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

  it('refuses a signature whose last character differs only in its unused bits', async () => {
    const { header, payload, signature } = aliceParts()
    const last = signature.at(-1) as string
    // 32 bytes take 43 characters; the last one carries 4 bits and 2 unused ones.
    for (const flip of [1, 2, 3]) {
      const twin = alphabet[alphabet.indexOf(last) ^ flip] as string
      const token = `${header}.${payload}.${signature.slice(0, -1)}${twin}`
      expect(Buffer.from(token.split('.')[2] as string, 'base64url')).toEqual(
        Buffer.from(signature, 'base64url'),
      )
      await expectRefusedAccess(token)
    }
  })

  it('refuses padding, standard base64 characters and whitespace in a segment', async () => {
    const { header, payload, signature } = aliceParts()
    const standard = Buffer.from(signature, 'base64url').toString('base64')
    const variants = [
      `${header}.${payload}.${signature}=`,
      `${header}=.${payload}.${signature}`,
      `${header}.${payload}.${standard}`,
      `${header}.${payload} .${signature}`,
      `${header}.${payload}.${signature.slice(0, 20)} ${signature.slice(20)}`,
    ]
    for (const token of variants) await expectRefusedAccess(token)
  })

  it('refuses duplicate member names in the header or the claims', async () => {
    const kid = kidOf()
    const claims = edited(alice.access, {}).payload
    const claimsText = JSON.stringify(claims)
    const duplicateClaims = claimsText.replace('{', `{"user_id":${bobId},`)
    const headers = [
      `{"alg":"none","alg":"HS256","typ":"JWT","kid":"${kid}"}`,
      `{"alg":"HS256","typ":"JWT","kid":"other","kid":"${kid}"}`,
    ]

    for (const headerText of headers) {
      const input = `${b64u(headerText)}.${b64u(claimsText)}`
      await expectRefusedAccess(`${input}.${hmac('sha256', TEST_KEY, input)}`)
    }
    const head = b64u(`{"alg":"HS256","typ":"JWT","kid":"${kid}"}`)
    const input = `${head}.${b64u(duplicateClaims)}`
    await expectRefusedAccess(`${input}.${hmac('sha256', TEST_KEY, input)}`)

    const control = `${head}.${b64u(claimsText)}`
    await expectAccepted(`${control}.${hmac('sha256', TEST_KEY, control)}`)
  })

  it('refuses JSON that is not written the one canonical way, even when signed', async () => {
    const kid = kidOf()
    const claimsText = JSON.stringify(edited(alice.access, {}).payload)
    const headerTexts = [
      `{ "alg":"HS256","typ":"JWT","kid":"${kid}"}`,
      `{"alg":"HS256","typ":"JWT","kid":"${kid}"}\n`,
      `{"alg":"\\u0048S256","typ":"JWT","kid":"${kid}"}`,
      `\ufeff{"alg":"HS256","typ":"JWT","kid":"${kid}"}`,
    ]
    for (const headerText of headerTexts) {
      const input = `${b64u(headerText)}.${b64u(claimsText)}`
      await expectRefusedAccess(`${input}.${hmac('sha256', TEST_KEY, input)}`)
    }
  })
})

describe('a validly signed but malformed token gives 401, never 500', () => {
  const claimEdits: Array<[string, Json]> = [
    ['a string user_id (regression 9)', { user_id: '1', sub: '1' }],
    ['a fractional user_id', { user_id: 1.5, sub: '1.5' }],
    ['a zero user_id', { user_id: 0, sub: '0' }],
    ['a negative user_id', { user_id: -1, sub: '-1' }],
    ['a huge user_id', { user_id: 2 ** 60, sub: String(2 ** 60) }],
    ['a user_id of no user', { user_id: 999_999, sub: '999999' }],
    ['an object user_id', { user_id: { id: 1 } }],
    ['a missing user_id', { user_id: undefined }],
    ['a sub that differs from user_id', { sub: '2' }],
    ['a missing sub', { sub: undefined }],
    ['a numeric sub', { sub: 1 }],
    ['a string iat (regression 3)', { iat: '1700000000' }],
    ['a missing sid', { sid: undefined }],
    ['a numeric sid', { sid: 12345 }],
    ['a sid with SQL text', { sid: "' OR 1=1 --" }],
    ['a missing jti', { jti: undefined }],
    ['a short jti', { jti: 'x' }],
    ['a missing token_type', { token_type: undefined }],
    ['a refresh token_type', { token_type: 'refresh' }],
    ['an unknown token_type', { token_type: 'admin' }],
    ['a token_type in other case', { token_type: 'Access' }],
    ['an issuer the server has none of', { iss: 'https://issuer.example' }],
    ['an audience the server has none of', { aud: 'gatehouse' }],
    ['a claim nested 100 deep', { deep: JSON.parse('['.repeat(100) + ']'.repeat(100)) }],
    ['a claim nested 20 objects deep', { deep: nestedObjects(20) }],
  ]

  for (const [name, edit] of claimEdits) {
    it(`refuses ${name}`, async () => {
      await expectRefusedAccess(resigned(alice.access, { payload: edit }))
    })
  }

  it('accepts an application claim nested a few levels deep (control)', async () => {
    await expectAccepted(resigned(alice.access, { payload: { roles: nestedObjects(3) } }))
  })

  it('refuses a payload that is not a JSON object, or not UTF-8', async () => {
    const head = segments(alice.access)[0]
    const payloads = [
      '[]',
      'null',
      '1',
      '"str"',
      'true',
      '{"user_id":1',
      Buffer.from([0xff, 0xfe, 0x7b, 0x7d]),
      // A UTF-16 surrogate written as UTF-8 bytes: not valid UTF-8.
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
    ]
    for (const payload of payloads) {
      const input = `${head}.${b64u(payload)}`
      await expectRefusedAccess(`${input}.${hmac('sha256', TEST_KEY, input)}`)
    }
  })
})

describe('oversized tokens are refused', () => {
  it('refuses a validly signed token over the length limit, but not one under it', async () => {
    await expectAccepted(resigned(alice.access, { payload: { note: 'x'.repeat(1000) } }))
    await expectRefusedAccess(resigned(alice.access, { payload: { note: 'x'.repeat(5000) } }))
  })

  it('refuses a token far over the limit sent in a JSON body', async () => {
    const token = resigned(alice.access, { payload: { note: 'x'.repeat(10_000) } })
    const response = await postJson(server, '/accounts/api/token/verify/', { token })
    expect(response.status).toBe(401)
  })
})

function nestedObjects(depth: number): Json {
  let value: Json = { leaf: true }
  for (let level = 1; level < depth; level += 1) value = { level: value }
  return value
}
