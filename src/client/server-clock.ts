/** The times of an access token, in the server's clock (seconds). */
export interface TokenTimes {
  issuedAt: number
  expiresAt: number
}

/** Reads `iat` and `exp` of a JWT without verifying it: the server verifies, not the client. */
export function tokenTimes(token: string): TokenTimes | null {
  const payload = token.split('.')[1]
  if (payload === undefined) return null

  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/')
    const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0))
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { iat?: unknown; exp?: unknown }
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') return null
    return { issuedAt: claims.iat, expiresAt: claims.exp }
  } catch {
    return null
  }
}

/**
 * How far the server's clock is ahead of this device's, from a pair just received: the
 * token's `iat` is the server's time of issue, and the `Date` header its time of answer
 * (often hidden from cross-origin scripts, hence only a second opinion). Both are whole
 * seconds, so half a second is added to land mid-second.
 */
export function serverOffsetMilliseconds(
  access: string,
  dateHeader: string | null,
  receivedAtMilliseconds: number,
): number {
  const issuedAt = tokenTimes(access)?.issuedAt
  const answeredAt = dateHeader === null ? NaN : Date.parse(dateHeader) / 1000
  const serverSeconds = Math.max(
    issuedAt ?? -Infinity,
    Number.isNaN(answeredAt) ? -Infinity : answeredAt,
  )
  if (!Number.isFinite(serverSeconds)) return 0

  return serverSeconds * 1000 + 500 - receivedAtMilliseconds
}

/**
 * True when the access token should be replaced before use: within a margin of its expiry
 * by the server's clock. The margin is a fifth of its lifetime, at most a minute, so a
 * request sent now still arrives while the token is good.
 */
export function expiresSoon(
  access: string,
  offsetMilliseconds: number,
  nowMilliseconds: number,
): boolean {
  const times = tokenTimes(access)
  if (!times) return true

  const lifetimeMilliseconds = (times.expiresAt - times.issuedAt) * 1000
  const marginMilliseconds = Math.min(60_000, lifetimeMilliseconds / 5)
  const serverNow = nowMilliseconds + offsetMilliseconds
  return serverNow >= times.expiresAt * 1000 - marginMilliseconds
}
