import { nowSeconds, type Clock } from '../core/clock.js'
import { GatehouseError } from '../core/errors.js'
import { randomId, type Random } from '../core/random.js'
import type { RefreshTokenState, SessionRecord, UserRecord } from '../storage/types.js'
import type { TokenClaims, TokenType } from './claims.js'
import { parseCompactToken } from './compact.js'
import type { KeyRing } from './keys.js'
import { checkSignedToken } from './signed-token.js'

export interface TokenSettings {
  accessTokenLifetimeSeconds: number
  refreshTokenLifetimeSeconds: number
  clockToleranceSeconds: number
  issuer: string | undefined
  audience: string | undefined
  maxTokenLength: number
}

/** Adds an application's own claims to each access token, from the user as they are now. */
export type AccessClaimsHook = (user: UserRecord) => Record<string, unknown>

const RESERVED_CLAIMS = new Set([
  'token_type',
  'exp',
  'iat',
  'nbf',
  'jti',
  'user_id',
  'sub',
  'sid',
  'iss',
  'aud',
])

const VERIFIED_CACHE_LIMIT = 10_000
// The end of the signature: what the verified-token cache is looked up by (see `verify`).
const CACHE_KEY_LENGTH = 16

interface VerifiedToken {
  token: string
  claims: TokenClaims
}

/** The one answer for every token that fails, as simplejwt words it. */
export function tokenNotValid(): GatehouseError {
  return new GatehouseError('token_not_valid', 'Token is invalid or expired')
}

/**
 * Issues and verifies Gatehouse's JWTs. Verification is strict: the algorithm comes from the
 * key named by `kid`, never from the header, and every claim is type-checked.
 */
export class TokenService {
  // Verified tokens by their exact text, so a hot token is not re-verified on each request.
  // Revocation is still checked by the caller on every use.
  private readonly verified = new Map<string, VerifiedToken>()

  constructor(
    private readonly keys: KeyRing,
    private readonly settings: TokenSettings,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly accessClaimsHook: AccessClaimsHook | undefined,
  ) {}

  /** Builds an access token afresh from the user, never from an older token's claims. */
  issueAccessToken(user: UserRecord, session: SessionRecord): string {
    const now = nowSeconds(this.clock)
    const expiresAt = Math.min(now + this.settings.accessTokenLifetimeSeconds, session.expiresAt)

    return this.sign({
      ...this.applicationClaims(user),
      token_type: 'access',
      exp: expiresAt,
      iat: now,
      jti: randomId(this.random),
      ...this.subjectClaims(user.id, session.id),
    })
  }

  /** Signs the refresh token a session's state describes; the same state gives the same claims. */
  issueRefreshToken(userId: number, sessionId: string, state: RefreshTokenState): string {
    return this.sign({
      token_type: 'refresh',
      exp: state.expiresAt,
      iat: state.issuedAt,
      jti: state.jti,
      ...this.subjectClaims(userId, sessionId),
    })
  }

  /** A new refresh token state for a session, never outliving the session itself. */
  nextRefreshState(session: Pick<SessionRecord, 'expiresAt'>): RefreshTokenState {
    const now = nowSeconds(this.clock)
    return {
      jti: randomId(this.random),
      issuedAt: now,
      expiresAt: Math.min(now + this.settings.refreshTokenLifetimeSeconds, session.expiresAt),
    }
  }

  /** Verifies a token of the expected type; throws `token_not_valid` for any failure. */
  verify(token: string, expectedType: TokenType): TokenClaims {
    // Looked up by the signature's last characters, and a hit needs the whole token to be
    // the same: hashing the whole token as a key took longer than everything else here.
    const cached = this.verified.get(token.slice(-CACHE_KEY_LENGTH))
    if (cached && cached.token === token && this.stillValid(cached.claims, expectedType)) {
      return cached.claims
    }

    const claims = this.verifyUncached(token, expectedType)
    // A refresh token is presented once under rotation: caching it only pushed hot access
    // tokens out and held memory (a refresh load filled the cache within seconds).
    if (expectedType === 'access') this.remember(token, claims)
    return claims
  }

  /** Forgets every verified token, after keys change. */
  forgetVerified(): void {
    this.verified.clear()
  }

  private verifyUncached(token: string, expectedType: TokenType): TokenClaims {
    const parsed = parseCompactToken(token, this.settings.maxTokenLength)
    if (!parsed) throw tokenNotValid()

    const key = this.keys.verificationKey(parsed.header.kid)
    const claims = checkSignedToken(token, parsed, key, {
      expectedType,
      nowSeconds: nowSeconds(this.clock),
      clockToleranceSeconds: this.settings.clockToleranceSeconds,
      maxLifetimeSeconds: this.maxLifetime(expectedType),
      issuer: this.settings.issuer,
      audience: this.settings.audience,
    })
    if (!claims) throw tokenNotValid()

    return claims
  }

  private stillValid(claims: TokenClaims, expectedType: TokenType): boolean {
    // A retired key verifies for as long as its tokens live, so expiry bounds the cache.
    const inTime = claims.exp + this.settings.clockToleranceSeconds > nowSeconds(this.clock)
    return inTime && claims.token_type === expectedType
  }

  private remember(token: string, claims: TokenClaims): void {
    if (this.verified.size >= VERIFIED_CACHE_LIMIT) this.verified.clear()
    this.verified.set(token.slice(-CACHE_KEY_LENGTH), { token, claims })
  }

  private maxLifetime(type: TokenType): number {
    return type === 'access'
      ? this.settings.accessTokenLifetimeSeconds
      : this.settings.refreshTokenLifetimeSeconds
  }

  private subjectClaims(userId: number, sessionId: string) {
    return {
      user_id: userId,
      sub: String(userId),
      sid: sessionId,
      ...(this.settings.issuer === undefined ? {} : { iss: this.settings.issuer }),
      ...(this.settings.audience === undefined ? {} : { aud: this.settings.audience }),
    }
  }

  private applicationClaims(user: UserRecord): Record<string, unknown> {
    if (!this.accessClaimsHook) return {}

    const extra = this.accessClaimsHook(user)
    return Object.fromEntries(Object.entries(extra).filter(([name]) => !RESERVED_CLAIMS.has(name)))
  }

  private sign(payload: Record<string, unknown>): string {
    return this.keys.signingKey().sign(payload)
  }
}
