import { createHash, randomBytes } from 'node:crypto'

/** The source of randomness; tests may pass a seeded one. */
export interface Random {
  bytes(count: number): Buffer
}

export const cryptoRandom: Random = { bytes: (count) => randomBytes(count) }

/** A URL-safe random identifier carrying `bytes * 8` bits of entropy. */
export function randomId(random: Random, bytes = 16): string {
  return random.bytes(bytes).toString('base64url')
}

export function sha256Base64Url(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}
