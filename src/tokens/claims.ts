/** The claims of a Gatehouse token (RFC 7519 section 4 plus simplejwt's own). */
export type TokenType = 'access' | 'refresh'

export interface TokenClaims {
  token_type: TokenType
  exp: number
  iat: number
  nbf?: number
  jti: string
  user_id: number
  sub: string
  sid: string
  iss?: string
  aud?: string
  [claim: string]: unknown
}

export interface ClaimRules {
  expectedType: TokenType
  nowSeconds: number
  clockToleranceSeconds: number
  /** The longest lifetime a token of this type is issued with. */
  maxLifetimeSeconds: number
  issuer: string | undefined
  audience: string | undefined
}

const MAX_ID_LENGTH = 64
// Session ids and token ids are random base64url text.
const ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/

/**
 * Checks a payload's claims, their types and their times. Returns the typed claims, or null
 * when any claim is missing, of the wrong type, out of range or meant for another use.
 */
export function checkClaims(
  payload: Record<string, unknown>,
  rules: ClaimRules,
): TokenClaims | null {
  if (!hasWellTypedClaims(payload)) return null
  if (payload.token_type !== rules.expectedType) return null
  if (!hasValidTimes(payload, rules)) return null
  if (!matchesOptional(payload.iss, rules.issuer)) return null
  if (!matchesOptional(payload.aud, rules.audience)) return null

  return payload
}

function hasWellTypedClaims(payload: Record<string, unknown>): payload is TokenClaims {
  const userId = payload.user_id
  return (
    (payload.token_type === 'access' || payload.token_type === 'refresh') &&
    isTimestamp(payload.exp) &&
    isTimestamp(payload.iat) &&
    (payload.nbf === undefined || isTimestamp(payload.nbf)) &&
    typeof payload.jti === 'string' &&
    ID_PATTERN.test(payload.jti) &&
    typeof userId === 'number' &&
    Number.isSafeInteger(userId) &&
    userId > 0 &&
    payload.sub === String(userId) &&
    typeof payload.sid === 'string' &&
    payload.sid.length <= MAX_ID_LENGTH &&
    ID_PATTERN.test(payload.sid)
  )
}

function isTimestamp(value: unknown): value is number {
  // Whole seconds between 2001 and 2286: anything else was not issued by a sane clock.
  return Number.isSafeInteger(value) && (value as number) > 1e9 && (value as number) < 1e10
}

function hasValidTimes(claims: TokenClaims, rules: ClaimRules): boolean {
  const { nowSeconds: now, clockToleranceSeconds: tolerance } = rules
  if (claims.exp + tolerance <= now) return false
  if (claims.iat - tolerance > now) return false
  if (claims.nbf !== undefined && claims.nbf - tolerance > now) return false

  // A token living longer than Gatehouse issues was not issued by Gatehouse.
  return claims.exp - claims.iat <= rules.maxLifetimeSeconds
}

/** An issuer or audience must match when configured and be absent when not. */
function matchesOptional(value: unknown, expected: string | undefined): boolean {
  return expected === undefined ? value === undefined : value === expected
}
