import { checkClaims, type ClaimRules, type TokenClaims } from './claims.js'
import type { CompactToken } from './compact.js'

/** What checking a signature needs of a key; both the key ring's and a JWKS key have it. */
export interface SignatureKey {
  algorithm: string
  /** Throws when the signature does not verify. */
  verifySignature(token: string): void
}

/**
 * The checks after parsing, shared by the server and the database-free verifier: the key
 * named by `kid` must exist and fix the algorithm, the signature must verify, and the claims
 * must pass `rules`. Null for any failure.
 */
export function checkSignedToken(
  token: string,
  parsed: CompactToken,
  key: SignatureKey | undefined,
  rules: ClaimRules,
): TokenClaims | null {
  if (!key || key.algorithm !== parsed.header.alg) return null

  try {
    key.verifySignature(token)
  } catch {
    return null
  }

  return checkClaims(parsed.payload, rules)
}
