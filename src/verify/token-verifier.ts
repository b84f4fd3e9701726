import { ConfigError } from '../config/load.js'
import { settingsFromOptions } from '../config/options.js'
import type { Settings } from '../config/settings.js'
import { nowSeconds, systemClock, type Clock } from '../core/clock.js'
import type { TokenClaims } from '../tokens/claims.js'
import { parseCompactToken } from '../tokens/compact.js'
import { environmentKey } from '../tokens/keys.js'
import { checkSignedToken } from '../tokens/signed-token.js'
import { tokenNotValid } from '../tokens/token-service.js'
import { EndedSessionsChannel } from './ended-sessions-channel.js'
import { JwksKeys, type VerificationKey } from './jwks.js'

/** How a service that only verifies finds Gatehouse's keys, and what it accepts. */
export interface TokenVerifierOptions {
  /** The server's JSON Web Key Set, for EdDSA, ES256 and RS256 tokens. */
  jwksUrl?: string
  /** The shared HMAC secret (the server's `GATEHOUSE_SIGNING_KEY`), for HS256 tokens. */
  signingKey?: string
  /** Required when the server sets `GATEHOUSE_ISSUER`, and refused when it does not. */
  issuer?: string
  /** Required when the server sets `GATEHOUSE_AUDIENCE`, and refused when it does not. */
  audience?: string
  /** The server's access token lifetime (`15m` by default); longer-lived tokens are refused. */
  accessTokenLifetime?: string
  /** How far the clocks of the server and this service may differ (`5s` by default). */
  clockTolerance?: string
  /**
   * The Redis the Gatehouse servers announce ended sessions on (their
   * `GATEHOUSE_REDIS_URL`): a session ended while subscribed is refused at once.
   */
  redisUrl?: string
  /** The servers' `GATEHOUSE_REDIS_KEY_PREFIX`; `gatehouse:` by default. */
  redisKeyPrefix?: string
  /** Where the keys are fetched with; the global `fetch` by default. */
  fetch?: typeof fetch
  clock?: Clock
}

/** What a verified access token says: whose it is and which session it belongs to. */
export interface VerifiedToken {
  userId: number
  sessionId: string
  claims: TokenClaims
}

type KeySource = (kid: string) => Promise<VerificationKey | undefined> | VerificationKey | undefined

/**
 * Verifies Gatehouse access tokens without a database, for services other than the one
 * that issues them. Build one with `createTokenVerifier`.
 */
export class TokenVerifier {
  constructor(
    private readonly keyFor: KeySource,
    private readonly settings: Settings,
    private readonly clock: Clock,
    private readonly endedSessions?: EndedSessionsChannel,
  ) {}

  /** The token's subject and session; throws `token_not_valid` for any failure. */
  async verify(token: string): Promise<VerifiedToken> {
    const parsed = parseCompactToken(token, this.settings.maxTokenLength)
    if (!parsed) throw tokenNotValid()

    const key = await this.keyFor(parsed.header.kid)
    const claims = checkSignedToken(token, parsed, key, {
      expectedType: 'access',
      nowSeconds: nowSeconds(this.clock),
      clockToleranceSeconds: this.settings.clockToleranceSeconds,
      maxLifetimeSeconds: this.settings.accessTokenLifetimeSeconds,
      issuer: this.settings.issuer,
      audience: this.settings.audience,
    })
    if (!claims || this.endedSessions?.has(claims.sid)) throw tokenNotValid()

    return { userId: claims.user_id, sessionId: claims.sid, claims }
  }

  /** Stops listening for ended sessions. */
  close(): void {
    this.endedSessions?.close()
  }
}

/**
 * A verifier for services that accept Gatehouse's tokens but do not run Gatehouse: it
 * checks signature and claims with the published keys (`jwksUrl`) or the shared secret
 * (`signingKey`) alone. Given `redisUrl`, it also refuses the tokens of sessions the
 * servers announce as ended there; without it, a token of an ended session is accepted
 * until it expires, so keep access tokens short-lived.
 *
 * @example
 * ```ts
 * import { createTokenVerifier } from 'gatehouse'
 * import { requireToken } from 'gatehouse/express'
 *
 * const verifier = createTokenVerifier({ jwksUrl: 'https://auth.example/.well-known/jwks.json' })
 * app.get('/reports', requireToken(verifier), (req, res) => {
 *   res.json({ user: req.accessToken!.userId })
 * })
 * ```
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { jwksUrl, signingKey, fetch: fetchFunction = fetch, clock = systemClock } = options
  const settings = settingsFromOptions({
    signingKey,
    issuer: options.issuer,
    audience: options.audience,
    accessTokenLifetime: options.accessTokenLifetime,
    clockTolerance: options.clockTolerance,
  })

  if ((jwksUrl === undefined) === (signingKey === undefined)) {
    throw new ConfigError('jwksUrl or signingKey: give exactly one')
  }
  const endedSessions = endedSessionsChannel(options, settings, clock)
  if (jwksUrl !== undefined) {
    if (!/^https?:\/\/./.test(jwksUrl)) throw new ConfigError('jwksUrl: expected an http(s) URL')
    const keys = new JwksKeys(jwksUrl, fetchFunction, clock)
    return new TokenVerifier((kid) => keys.keyFor(kid), settings, clock, endedSessions)
  }

  const key = environmentKey(signingKey as string)
  const keyFor = (kid: string) => (kid === key.kid ? key : undefined)
  return new TokenVerifier(keyFor, settings, clock, endedSessions)
}

function endedSessionsChannel(
  options: TokenVerifierOptions,
  settings: Settings,
  clock: Clock,
): EndedSessionsChannel | undefined {
  const { redisUrl, redisKeyPrefix = 'gatehouse:' } = options
  if (redisUrl === undefined) return undefined
  if (!/^rediss?:\/\/./.test(redisUrl)) throw new ConfigError('redisUrl: expected redis://...')
  if (!/^[A-Za-z0-9:._-]{1,64}$/.test(redisKeyPrefix)) {
    throw new ConfigError('redisKeyPrefix: expected up to 64 letters, digits or : . _ -')
  }

  // An ended session's access tokens live at most this long after its end.
  const retentionSeconds = settings.accessTokenLifetimeSeconds + settings.clockToleranceSeconds
  return new EndedSessionsChannel(redisUrl, redisKeyPrefix, clock, retentionSeconds)
}
