import { createPublicKey, type JsonWebKey } from 'node:crypto'

import { createVerifier } from 'fast-jwt'

import { JWT_ALGORITHMS, type JwtAlgorithm } from '../config/settings.js'
import type { Clock } from '../core/clock.js'
import { GatehouseError } from '../core/errors.js'

/** A key that can check a token's signature, and nothing else. */
export interface VerificationKey {
  algorithm: JwtAlgorithm
  verifySignature(token: string): void
}

/** An unknown `kid` fetches the set again, but no more often than this. */
const REFETCH_COOLDOWN_MILLISECONDS = 1000
/** A key set older than this is fetched again, so a deleted key stops verifying. */
const MAX_AGE_MILLISECONDS = 5 * 60_000

/**
 * The public keys a Gatehouse server publishes at `/.well-known/jwks.json` (RFC 7517),
 * fetched on first use and again when a token names a key not seen yet (a rotation).
 */
export class JwksKeys {
  private keys = new Map<string, VerificationKey>()
  private fetchedAt: number | undefined
  private fetching: Promise<void> | undefined

  constructor(
    private readonly url: string,
    private readonly fetchFunction: typeof fetch,
    private readonly clock: Clock,
  ) {}

  /** The key named `kid`, or undefined when the server publishes none by that name. */
  async keyFor(kid: string): Promise<VerificationKey | undefined> {
    const now = this.clock.nowMilliseconds()
    const age = this.fetchedAt === undefined ? Infinity : now - this.fetchedAt
    const known = this.keys.get(kid)
    if (known && age < MAX_AGE_MILLISECONDS) return known
    if (known || age >= REFETCH_COOLDOWN_MILLISECONDS) await this.fetchOnce()

    return this.keys.get(kid)
  }

  private fetchOnce(): Promise<void> {
    this.fetching ??= this.fetchKeys().finally(() => {
      this.fetching = undefined
    })
    return this.fetching
  }

  private async fetchKeys(): Promise<void> {
    let body: unknown
    try {
      const headers = { accept: 'application/json' }
      const response = await this.fetchFunction(this.url, { headers })
      if (!response.ok) throw new Error(`status ${response.status}`)
      body = await response.json()
    } catch {
      // Keys fetched before keep verifying; with none at all, no token can be checked.
      if (this.fetchedAt !== undefined) return
      throw new GatehouseError('storage_unavailable', 'The signing keys could not be fetched.')
    }

    this.keys = new Map(publishedKeys(body).map(([kid, key]) => [kid, key]))
    this.fetchedAt = this.clock.nowMilliseconds()
  }
}

function publishedKeys(body: unknown): Array<[string, VerificationKey]> {
  const keys = (body as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys)) return []

  return keys.flatMap((jwk: Record<string, unknown>) => {
    const algorithm = jwk.alg as JwtAlgorithm
    if (typeof jwk.kid !== 'string' || !JWT_ALGORITHMS.includes(algorithm)) return []
    if (algorithm === 'HS256' || (jwk.use !== undefined && jwk.use !== 'sig')) return []

    try {
      return [[jwk.kid, publicKey(jwk as JsonWebKey, algorithm)]]
    } catch {
      return []
    }
  })
}

function publicKey(jwk: JsonWebKey, algorithm: JwtAlgorithm): VerificationKey {
  const pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
  const verifier = createVerifier({
    key: pem.toString(),
    algorithms: [algorithm],
    ignoreExpiration: true,
    ignoreNotBefore: true,
  })
  return { algorithm, verifySignature: (token) => void verifier(token) }
}
