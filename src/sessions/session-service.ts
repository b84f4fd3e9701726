import { nowSeconds, type Clock } from '../core/clock.js'
import { GatehouseError } from '../core/errors.js'
import type { EventSink } from '../core/events.js'
import { randomId, sha256Base64Url, type Random } from '../core/random.js'
import type {
  SessionKind,
  SessionRecord,
  SessionStore,
  UserRecord,
  UserStore,
} from '../storage/types.js'
import { isUnavailableError, unavailable } from '../storage/unavailable.js'
import type { TokenClaims } from '../tokens/claims.js'
import { tokenNotValid, type TokenService } from '../tokens/token-service.js'
import type { RevocationList } from './revocation-list.js'

export interface SessionSettings {
  sessionLifetimeSeconds: number
  webSessionIdleTimeoutSeconds: number
  rotateRefreshTokens: boolean
  refreshReuseGraceSeconds: number
}

/** Where a session was started from, as shown in the user's list of devices. */
export interface ClientInfo {
  userAgent: string | null
  clientIp: string | null
}

export interface TokenPair {
  access: string
  refresh: string
}

export interface Authenticated {
  user: UserRecord
  session: SessionRecord
}

export interface AccessTokenIdentity {
  userId: number
  sessionId: string
  claims: TokenClaims
}

export interface WebSessionStart {
  session: SessionRecord
  /** The cookie value; storage only keeps its hash. */
  cookieValue: string
}

/** Called with the ids of sessions this process ended, for fan-out to other instances. */
export type SessionsEndedListener = (sessionIds: string[], endedAt: number) => void

// Last-used times are written at most this often, not on every request.
const TOUCH_INTERVAL_SECONDS = 60

/**
 * One session model behind every credential: a login makes a session, and the session's
 * refresh tokens, access tokens and web cookie all die with it.
 */
export class SessionService {
  private readonly endedListeners: SessionsEndedListener[] = []

  constructor(
    private readonly store: SessionStore & UserStore,
    private readonly tokens: TokenService,
    private readonly revocations: RevocationList,
    private readonly settings: SessionSettings,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly events: EventSink,
  ) {}

  onSessionsEnded(listener: SessionsEndedListener): void {
    this.endedListeners.push(listener)
  }

  /** Starts an API session for a user who just proved who they are. */
  async startApiSession(user: UserRecord, client: ClientInfo): Promise<TokenPair> {
    const session = this.newSession(user.id, 'api', client, null)
    const refresh = this.tokens.nextRefreshState(session)
    const withRefresh = { ...session, refresh }
    await this.store.insertSession(withRefresh)

    return {
      access: this.tokens.issueAccessToken(user, { ...withRefresh, ...endedNever }),
      refresh: this.tokens.issueRefreshToken(user.id, session.id, refresh),
    }
  }

  /** Starts a web session; the caller sets the cookie. A new id every time: no fixation. */
  async startWebSession(user: UserRecord, client: ClientInfo): Promise<WebSessionStart> {
    const cookieValue = randomId(this.random, 32)
    const session = this.newSession(user.id, 'web', client, sha256Base64Url(cookieValue))
    await this.store.insertSession({ ...session, refresh: null })

    return { session: { ...session, refresh: null, ...endedNever }, cookieValue }
  }

  /**
   * Trades a refresh token for a new access token and, when rotation is on, a new refresh
   * token. See `docs` in the README: a spent token presented within the grace period gets
   * the same successor; after it, the whole session ends as stolen.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const claims = this.tokens.verify(refreshToken, 'refresh')
    const { session, user } = await this.loadLiveSession(claims)

    if (!this.settings.rotateRefreshTokens) {
      if (session.refresh?.jti !== claims.jti) throw tokenNotValid()
      await this.touch(session)
      return { access: this.tokens.issueAccessToken(user, session), refresh: refreshToken }
    }

    if (session.refresh?.jti === claims.jti) {
      const next = this.tokens.nextRefreshState(session)
      const now = nowSeconds(this.clock)
      const won = await this.store.rotateRefreshToken({
        sessionId: session.id,
        presentedJti: claims.jti,
        next,
        rotatedAt: now,
      })
      if (won) return this.pairFor(user, session, next)
    }

    return this.answerSpentToken(claims, user)
  }

  /**
   * Checks an access token and that its session has not ended. Answers from memory; when
   * the revocation list cannot vouch for itself (storage unreachable past the bound, and no
   * live fan-out), it refuses with `storage_unavailable` rather than trust a maybe-ended
   * session.
   */
  authenticateAccessToken(token: string): AccessTokenIdentity {
    const claims = this.tokens.verify(token, 'access')
    if (!this.revocations.isCurrent()) throw unavailable('storage_unavailable')
    if (this.revocations.has(claims.sid)) throw tokenNotValid()

    return { userId: claims.user_id, sessionId: claims.sid, claims }
  }

  /** Loads the user and session behind a verified access token; null if either is gone. */
  async loadIdentity(identity: AccessTokenIdentity): Promise<Authenticated | null> {
    const [user, session] = await Promise.all([
      this.store.findUserById(identity.userId),
      this.store.findSession(identity.sessionId),
    ])
    if (!user || !user.isActive || !session || session.endedAt !== null) return null
    return { user, session }
  }

  /** The live web session a cookie belongs to, or null. Refreshes its last-used time. */
  async authenticateCookie(cookieValue: string): Promise<Authenticated | null> {
    const session = await this.store.findSessionByCookieHash(sha256Base64Url(cookieValue))
    if (!session || session.kind !== 'web' || !this.isLive(session)) return null

    const now = nowSeconds(this.clock)
    if (session.lastUsedAt + this.settings.webSessionIdleTimeoutSeconds <= now) return null

    const user = await this.store.findUserById(session.userId)
    if (!user || !user.isActive) return null

    await this.touch(session)
    return { user, session }
  }

  /** Checks a token for the verify endpoint, with the same revocation rules as its uses. */
  async verifyToken(token: string): Promise<void> {
    const type = tokenTypeOf(token)
    if (type === 'access') {
      const identity = this.authenticateAccessToken(token)
      // Storage out of reach: the in-memory check above holds within the revocation bound.
      const loaded = await this.loadIdentity(identity).catch(unlessUnavailable)
      if (loaded === null) throw tokenNotValid()
      return
    }

    const claims = this.tokens.verify(token, 'refresh')
    const { session } = await this.loadLiveSession(claims)
    if (session.refresh?.jti !== claims.jti && !this.withinGrace(session, claims.jti)) {
      throw tokenNotValid()
    }
  }

  /** Ends the session a refresh token belongs to (simplejwt's blacklist endpoint). */
  async endSessionOfRefreshToken(refreshToken: string): Promise<void> {
    const claims = this.tokens.verify(refreshToken, 'refresh')
    const session = await this.store.findSession(claims.sid)
    // simplejwt refuses a token it has already blacklisted; an ended session is the same.
    if (!session || session.userId !== claims.user_id || session.endedAt !== null) {
      throw tokenNotValid()
    }

    await this.endSession(session.id, 'logout')
  }

  async endSession(sessionId: string, reason: string): Promise<boolean> {
    const now = nowSeconds(this.clock)
    const ended = await this.store.endSession(sessionId, now, reason)
    this.markEnded([sessionId], now, reason)
    return ended
  }

  /** Ends every live session of a user, or every one but `exceptSessionId`. */
  async endUserSessions(userId: number, reason: string, exceptSessionId?: string): Promise<number> {
    const now = nowSeconds(this.clock)
    const ended = await this.store.endUserSessions(userId, now, reason, exceptSessionId)
    this.markEnded(ended, now, reason)
    return ended.length
  }

  /** Ends one of the user's own sessions; another user's id is treated as unknown. */
  async endOwnSession(userId: number, sessionId: string): Promise<void> {
    const session = await this.store.findSession(sessionId)
    if (!session || session.userId !== userId || !this.isLive(session)) {
      throw new GatehouseError('session_not_found', 'No such session.')
    }
    await this.endSession(sessionId, 'ended_by_user')
  }

  /** The user's sessions that can still be used: web sessions idle too long are left out. */
  async listLiveSessions(userId: number): Promise<SessionRecord[]> {
    const now = nowSeconds(this.clock)
    const sessions = await this.store.listLiveSessions(userId, now)
    return sessions.filter((session) => session.kind !== 'web' || !this.idleTooLong(session, now))
  }

  private async answerSpentToken(claims: TokenClaims, user: UserRecord): Promise<TokenPair> {
    const session = await this.store.findSession(claims.sid)
    if (!session || !this.isLive(session)) throw tokenNotValid()

    if (this.withinGrace(session, claims.jti) && session.refresh) {
      return this.pairFor(user, session, session.refresh)
    }

    // Several instances may catch the same reuse at once; the one whose end wins reports it.
    if (await this.endSession(session.id, 'refresh_reuse')) {
      this.events('refresh.reuse_detected', { userId: user.id, sessionId: session.id })
    }
    throw tokenNotValid()
  }

  private withinGrace(session: SessionRecord, jti: string): boolean {
    if (session.previousRefreshJti !== jti || session.rotatedAt === null) return false
    return nowSeconds(this.clock) - session.rotatedAt <= this.settings.refreshReuseGraceSeconds
  }

  private pairFor(
    user: UserRecord,
    session: SessionRecord,
    refresh: NonNullable<SessionRecord['refresh']>,
  ): TokenPair {
    return {
      access: this.tokens.issueAccessToken(user, session),
      refresh: this.tokens.issueRefreshToken(user.id, session.id, refresh),
    }
  }

  private async loadLiveSession(claims: TokenClaims): Promise<Authenticated> {
    const session = await this.store.findSession(claims.sid)
    if (!session || session.userId !== claims.user_id || !this.isLive(session)) {
      this.events('refresh.refused', { reason: 'session_not_live', userId: claims.user_id })
      throw tokenNotValid()
    }

    const user = await this.store.findUserById(claims.user_id)
    if (!user || !user.isActive) {
      await this.endSession(session.id, user ? 'user_inactive' : 'user_deleted')
      this.events('refresh.refused', { reason: 'user_not_active', userId: claims.user_id })
      throw tokenNotValid()
    }
    return { session, user }
  }

  private isLive(session: SessionRecord): boolean {
    return session.endedAt === null && session.expiresAt > nowSeconds(this.clock)
  }

  private idleTooLong(session: SessionRecord, now: number): boolean {
    return session.lastUsedAt + this.settings.webSessionIdleTimeoutSeconds <= now
  }

  private async touch(session: SessionRecord): Promise<void> {
    const now = nowSeconds(this.clock)
    // Throttled, but well inside the idle timeout, or a short timeout would end busy sessions.
    const interval = Math.min(
      TOUCH_INTERVAL_SECONDS,
      Math.floor(this.settings.webSessionIdleTimeoutSeconds / 2),
    )
    if (now - session.lastUsedAt >= interval) await this.store.touchSession(session.id, now)
  }

  private markEnded(sessionIds: string[], at: number, reason: string): void {
    for (const id of sessionIds) {
      this.revocations.add(id, at)
      this.events('session.ended', { sessionId: id, reason })
    }
    if (sessionIds.length > 0) for (const listener of this.endedListeners) listener(sessionIds, at)
  }

  private newSession(
    userId: number,
    kind: SessionKind,
    client: ClientInfo,
    cookieHash: string | null,
  ) {
    const now = nowSeconds(this.clock)
    return {
      id: randomId(this.random),
      userId,
      kind,
      cookieHash,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + this.settings.sessionLifetimeSeconds,
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      clientIp: client.clientIp,
    }
  }
}

/** Rethrows anything but a backend found unreachable. */
function unlessUnavailable(error: unknown): undefined {
  if (isUnavailableError(error)) return undefined
  throw error
}

const endedNever = { previousRefreshJti: null, rotatedAt: null, endedAt: null, endReason: null }

/** Reads `token_type` without trusting it, only to pick which verification to run. */
function tokenTypeOf(token: string): 'access' | 'refresh' {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString())
    return payload?.token_type === 'refresh' ? 'refresh' : 'access'
  } catch {
    return 'access'
  }
}
