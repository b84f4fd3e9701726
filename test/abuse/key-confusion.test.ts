import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { createUser, getProtected, login, refresh, type Tokens } from '../support/api.js'
import { b64u, decodeSegment, hmac, segments, signHmac, type Json } from '../support/jwt.js'
import { startServer, type RunningServer } from '../support/server.js'

/** Every text and byte form of a public key an HMAC verifier might be fooled into using. */
function keyMaterials(publicKey: KeyObject, jwk: Json): Array<[string, string | Buffer]> {
  const spki = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const materials: Array<[string, string | Buffer]> = [
    ['SPKI PEM', spki],
    ['SPKI PEM without its final newline', spki.trimEnd()],
    ['SPKI PEM with a leading newline', `\n${spki}`],
    ['SPKI PEM with a leading space', ` ${spki}`],
    ['SPKI PEM with CRLF line ends', spki.replace(/\n/g, '\r\n')],
    ['SPKI DER', publicKey.export({ type: 'spki', format: 'der' })],
    ['the JWK as JSON text', JSON.stringify(jwk)],
  ]
  if (publicKey.asymmetricKeyType === 'rsa') {
    const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()
    materials.push(
      ['PKCS#1 PEM', pkcs1],
      ['PKCS#1 PEM without its final newline', pkcs1.trimEnd()],
      ['PKCS#1 DER', publicKey.export({ type: 'pkcs1', format: 'der' })],
    )
  }
  return materials
}

for (const algorithm of ['EdDSA', 'ES256', 'RS256'] as const) {
  describe(`an ${algorithm} server refuses its public key used as an HMAC secret (B02)`, () => {
    let server: RunningServer
    let alice: Tokens
    let jwk: Json
    let publicKey: KeyObject

    beforeAll(async () => {
      server = await startServer({ env: { GATEHOUSE_JWT_ALGORITHM: algorithm } })
      await createUser(server, 'alice@example.com')
      alice = await login(server, 'alice@example.com')

      const jwks = (await (await server.request('/.well-known/jwks.json')).json()) as {
        keys: Json[]
      }
      jwk = jwks.keys[0] as Json
      publicKey = createPublicKey({ key: jwk as never, format: 'jwk' })
    })

    afterAll(async () => {
      await server.stop()
    })

    it('publishes the key that signs, and accepts its own tokens (control)', async () => {
      const header = decodeSegment(segments(alice.access)[0])
      expect(header).toMatchObject({ alg: algorithm, kid: jwk.kid })
      expect((await getProtected(server, alice.access)).status).toBe(200)
    })

    it('refuses HS256 tokens MACed with every form of the public key', async () => {
      const { payload } = tokenParts(alice.access)
      const kid = jwk.kid as string

      for (const [name, material] of keyMaterials(publicKey, jwk)) {
        for (const header of [
          { alg: 'HS256', typ: 'JWT', kid },
          { alg: 'HS256', typ: 'JWT' },
        ]) {
          const response = await getProtected(server, signHmac(header, payload, material))
          expect(response.status, name).toBe(401)
        }
        for (const [alg, digest] of [
          ['HS384', 'sha384'],
          ['HS512', 'sha512'],
        ] as const) {
          const token = signHmac({ alg, typ: 'JWT', kid }, payload, material, digest)
          expect((await getProtected(server, token)).status, name).toBe(401)
        }
      }
    })

    it('refuses a refresh token MACed with the public key', async () => {
      const fresh = await login(server, 'alice@example.com')
      const { payload } = tokenParts(fresh.refresh)
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
      const token = signHmac({ alg: 'HS256', typ: 'JWT', kid: jwk.kid }, payload, pem)
      expect((await refresh(server, token)).status).toBe(401)
    })

    it('refuses another asymmetric algorithm, signed by a key of that kind', async () => {
      const { payload } = tokenParts(alice.access)
      const others = (['EdDSA', 'ES256', 'RS256'] as const).filter((other) => other !== algorithm)

      for (const other of others) {
        const input = `${b64u({ alg: other, typ: 'JWT', kid: jwk.kid })}.${b64u(payload)}`
        const token = `${input}.${signWith(other, input)}`
        expect((await getProtected(server, token)).status, other).toBe(401)
      }
    })

    it('refuses its own signature moved onto edited claims', async () => {
      const [header, payload, signature] = segments(alice.access)
      const claims = decodeSegment(payload)
      const token = `${header}.${b64u({ ...claims, user_id: 2, sub: '2' })}.${signature}`
      expect((await getProtected(server, token)).status).toBe(401)
      const keptSignature = `${header}.${payload}.${hmac('sha256', 'x', 'y')}`
      expect((await getProtected(server, keptSignature)).status).toBe(401)
    })
  })
}

function tokenParts(token: string): { header: Json; payload: Json } {
  const [header, payload] = segments(token)
  return { header: decodeSegment(header), payload: decodeSegment(payload) }
}

/** A signature by a freshly made key of the given kind: the server cannot know that key. */
function signWith(algorithm: 'EdDSA' | 'ES256' | 'RS256', input: string): string {
  const data = Buffer.from(input)
  if (algorithm === 'EdDSA') {
    return sign(null, data, generateKeyPairSync('ed25519').privateKey).toString('base64url')
  }
  if (algorithm === 'ES256') {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    return sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString(
      'base64url',
    )
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return sign('sha256', data, privateKey).toString('base64url')
}
