import { createHmac } from 'node:crypto'

/** The signing secret the test deployments are started with (GATEHOUSE_SIGNING_KEY). */
export const TEST_KEY = 'gatehouse-test-signing-key-0123456789abcdef'

export type Json = Record<string, unknown>

/** base64url without padding, of text, bytes or a JSON value. */
export function b64u(value: string | Buffer | Json | unknown[]): string {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64url')
  if (Buffer.isBuffer(value)) return value.toString('base64url')
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
}

export function hmac(
  algorithm: 'sha256' | 'sha384' | 'sha512',
  key: string | Buffer,
  input: string,
): string {
  return createHmac(algorithm, key).update(input).digest('base64url')
}

/** A compact JWS MACed with `key`; header and payload are taken as given. */
export function signHmac(
  header: Json,
  payload: Json,
  key: string | Buffer = TEST_KEY,
  algorithm: 'sha256' | 'sha384' | 'sha512' = 'sha256',
): string {
  const input = `${b64u(header)}.${b64u(payload)}`
  return `${input}.${hmac(algorithm, key, input)}`
}

export function segments(token: string): [string, string, string] {
  return token.split('.') as [string, string, string]
}

export function decodeSegment(segment: string): Json {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Json
}

/** A token's header and claims with some members changed (undefined removes one). */
export function edited(token: string, changes: { header?: Json; payload?: Json }) {
  const [header, payload] = segments(token)
  return {
    header: withChanges(decodeSegment(header), changes.header ?? {}),
    payload: withChanges(decodeSegment(payload), changes.payload ?? {}),
  }
}

/** Re-signs a token issued by the test deployment, with claims changed, using TEST_KEY. */
export function resigned(token: string, changes: { header?: Json; payload?: Json }): string {
  const { header, payload } = edited(token, changes)
  return signHmac(header, payload)
}

function withChanges(value: Json, changes: Json): Json {
  const result: Json = { ...value, ...changes }
  for (const [name, change] of Object.entries(changes))
    if (change === undefined) delete result[name]
  return result
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}
