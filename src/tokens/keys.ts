import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'

import { createSigner, createVerifier } from 'fast-jwt'

import type { JwtAlgorithm } from '../config/settings.js'
import { monotonicMilliseconds, nowSeconds, type Clock } from '../core/clock.js'
import { GatehouseError } from '../core/errors.js'
import { randomId, type Random } from '../core/random.js'
import type { KeyStore, SigningKeyRecord } from '../storage/types.js'

/** A JSON Web Key as published in the JWKS (RFC 7517); public parts only. */
export type PublicJwk = Record<string, string>

export interface SigningKey {
  kid: string
  algorithm: JwtAlgorithm
  /** When the key stopped signing, or null while it signs. */
  retiredAt: number | null
  publicJwk: PublicJwk | null
  sign(payload: Record<string, unknown>): string
  /** Checks the signature only; claims are Gatehouse's to check. */
  verifySignature(token: string): void
}

export interface KeyRingSettings {
  algorithm: JwtAlgorithm
  /** An HMAC secret from the environment; when set it is the only signing key. */
  environmentSecret: string | undefined
  /** How long a retired key keeps verifying: the longest a token it signed can live. */
  verificationGraceSeconds: number
  /**
   * How long a key found in storage only verifies before this instance signs with it, so
   * that every other instance has loaded it by then. None when absent.
   */
  activationDelayMilliseconds?: number
}

interface PendingSigner {
  key: SigningKey
  activatesAtMilliseconds: number
}

/**
 * The signing keys, each named by its `kid`. One key signs; retired keys keep verifying
 * until every token they signed has expired. Keys live in storage so that every instance,
 * and the CLI's `keys rotate`, share them.
 */
export class KeyRing {
  private keys = new Map<string, SigningKey>()
  private signing: SigningKey | undefined
  private pending: PendingSigner | undefined
  private fingerprint = ''

  constructor(
    private readonly store: KeyStore,
    private readonly settings: KeyRingSettings,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** Loads the keys, creating the first signing key of the configured algorithm if needed. */
  async load(): Promise<void> {
    if (this.settings.environmentSecret !== undefined) {
      const key = environmentKey(this.settings.environmentSecret)
      this.install([key], key)
      return
    }

    let records = await this.store.listSigningKeys()
    if (!records.some((record) => this.isActiveSigner(record))) {
      await this.store.insertSigningKey(
        generateKeyRecord(this.settings.algorithm, this.clock, this.random),
      )
      records = await this.store.listSigningKeys()
    }
    this.installRecords(records)
  }

  /** Re-reads storage so a rotation made elsewhere takes effect. True when keys changed. */
  async reload(): Promise<boolean> {
    if (this.settings.environmentSecret !== undefined) return false

    const records = await this.store.listSigningKeys()
    const fingerprint = records.map((record) => `${record.kid}:${record.retiredAt}`).join(',')
    if (fingerprint === this.fingerprint) return false

    this.installRecords(records)
    return true
  }

  /** Makes a new signing key and retires the others of its algorithm. */
  async rotate(): Promise<SigningKeyRecord> {
    if (this.settings.environmentSecret !== undefined) {
      throw new GatehouseError(
        'signing_key_fixed',
        'The signing key comes from GATEHOUSE_SIGNING_KEY; change it there to rotate it.',
      )
    }
    const record = generateKeyRecord(this.settings.algorithm, this.clock, this.random)
    await this.store.insertSigningKey(record)
    await this.store.retireSigningKeys(record.algorithm, record.kid, nowSeconds(this.clock))
    await this.reload()
    return record
  }

  signingKey(): SigningKey {
    if (!this.signing) throw new Error('KeyRing.load() has not run')

    const pending = this.pending
    if (pending && monotonicMilliseconds() >= pending.activatesAtMilliseconds) {
      this.signing = pending.key
      this.pending = undefined
    }
    return this.signing
  }

  /** The key that may verify a token naming `kid`, or undefined when none may. */
  verificationKey(kid: string): SigningKey | undefined {
    const key = this.keys.get(kid)
    if (!key || key.retiredAt === null) return key

    const graceEnds = key.retiredAt + this.settings.verificationGraceSeconds
    return nowSeconds(this.clock) <= graceEnds ? key : undefined
  }

  /** The JSON Web Key Set of every key that still verifies (RFC 7517 section 5). */
  publicJwks(): { keys: PublicJwk[] } {
    const keys = [...this.keys.values()]
      .filter((key) => key.publicJwk !== null && this.verificationKey(key.kid) !== undefined)
      .map((key) => key.publicJwk as PublicJwk)
    return { keys }
  }

  listKeys(): SigningKey[] {
    return [...this.keys.values()]
  }

  private isActiveSigner(record: SigningKeyRecord): boolean {
    return record.algorithm === this.settings.algorithm && record.retiredAt === null
  }

  private installRecords(records: SigningKeyRecord[]): void {
    const keys = records.map(keyFromRecord)
    const signers = records.filter((record) => this.isActiveSigner(record))
    const newest = signers.at(-1)
    const signing = keys.find((key) => key.kid === newest?.kid)
    if (!signing) throw new Error(`No active ${this.settings.algorithm} signing key in storage`)

    const current = keys.find((key) => key.kid === this.signing?.kid)
    const delay = this.settings.activationDelayMilliseconds ?? 0
    if (current && current.kid !== signing.kid && delay > 0) {
      // Another instance may not have loaded the new key yet: keep signing with the one
      // every instance knows until it has.
      this.install(keys, current)
      this.pending = { key: signing, activatesAtMilliseconds: monotonicMilliseconds() + delay }
    } else {
      this.install(keys, signing)
    }
    this.fingerprint = records.map((record) => `${record.kid}:${record.retiredAt}`).join(',')
  }

  private install(keys: SigningKey[], signing: SigningKey): void {
    this.keys = new Map(keys.map((key) => [key.kid, key]))
    this.signing = signing
    this.pending = undefined
  }
}

/** The key of an HMAC secret given in the environment; its `kid` derives from the secret. */
export function environmentKey(secret: string): SigningKey {
  const kid = 'env-' + createHash('sha256').update(secret).digest('base64url').slice(0, 12)
  return buildKey(kid, 'HS256', Buffer.from(secret, 'utf8'), null, null)
}

function keyFromRecord(record: SigningKeyRecord): SigningKey {
  const algorithm = record.algorithm as JwtAlgorithm
  const publicJwk = record.publicJwk === null ? null : (JSON.parse(record.publicJwk) as PublicJwk)

  if (algorithm === 'HS256') {
    const secret = Buffer.from(record.privateKey, 'base64url')
    return buildKey(record.kid, algorithm, secret, null, record.retiredAt)
  }
  return buildKey(record.kid, algorithm, record.privateKey, publicJwk, record.retiredAt)
}

function buildKey(
  kid: string,
  algorithm: JwtAlgorithm,
  privateKey: Buffer | string,
  publicJwk: PublicJwk | null,
  retiredAt: number | null,
): SigningKey {
  const verificationKey =
    typeof privateKey === 'string'
      ? createPublicKey(createPrivateKey(privateKey)).export({ type: 'spki', format: 'pem' })
      : privateKey
  const signer = createSigner({ key: privateKey, algorithm, kid })
  const verifier = createVerifier({
    key: verificationKey,
    algorithms: [algorithm],
    ignoreExpiration: true,
    ignoreNotBefore: true,
  })

  return {
    kid,
    algorithm,
    retiredAt,
    publicJwk,
    sign: (payload) => signer(payload),
    verifySignature: (token) => {
      verifier(token)
    },
  }
}

/** Makes a new key record for `algorithm` with a random `kid`. */
export function generateKeyRecord(
  algorithm: JwtAlgorithm,
  clock: Clock,
  random: Random,
): SigningKeyRecord {
  const kid = randomId(random, 12)
  const createdAt = nowSeconds(clock)

  if (algorithm === 'HS256') {
    const secret = random.bytes(32).toString('base64url')
    return { kid, algorithm, privateKey: secret, publicJwk: null, createdAt, retiredAt: null }
  }

  const pair = generateAsymmetricPair(algorithm)
  const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg: algorithm, use: 'sig' }
  return { kid, algorithm, privateKey, publicJwk: JSON.stringify(jwk), createdAt, retiredAt: null }
}

function generateAsymmetricPair(algorithm: Exclude<JwtAlgorithm, 'HS256'>) {
  switch (algorithm) {
    case 'EdDSA':
      return generateKeyPairSync('ed25519')
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' })
    case 'RS256':
      return generateKeyPairSync('rsa', { modulusLength: 2048 })
  }
}
