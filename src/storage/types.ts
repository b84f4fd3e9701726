/**
 * The narrow storage interface every backend implements. Times are Unix seconds. Methods
 * that look something up return null when it is not there; they throw only when storage
 * itself fails.
 */

export interface UserRecord {
  id: number
  email: string
  /** The email folded for lookup; unique. */
  emailKey: string
  username: string | null
  passwordHash: string
  isActive: boolean
  isStaff: boolean
  isSuperuser: boolean
  lastLoginAt: number | null
  createdAt: number
  passwordChangedAt: number
}

export type NewUser = Omit<UserRecord, 'id' | 'lastLoginAt'>

export type SessionKind = 'api' | 'web'

export interface RefreshTokenState {
  jti: string
  issuedAt: number
  expiresAt: number
}

export interface SessionRecord {
  id: string
  userId: number
  kind: SessionKind
  /** SHA-256 of the web session cookie; the cookie itself is never stored. */
  cookieHash: string | null
  createdAt: number
  lastUsedAt: number
  /** Absolute end of the session, however often it is refreshed. */
  expiresAt: number
  userAgent: string | null
  clientIp: string | null
  refresh: RefreshTokenState | null
  previousRefreshJti: string | null
  rotatedAt: number | null
  endedAt: number | null
  endReason: string | null
}

export type NewSession = Omit<
  SessionRecord,
  'previousRefreshJti' | 'rotatedAt' | 'endedAt' | 'endReason'
>

export interface RotateRefreshInput {
  sessionId: string
  presentedJti: string
  next: RefreshTokenState
  rotatedAt: number
}

export interface EndedSession {
  id: string
  endedAt: number
}

export interface SigningKeyRecord {
  kid: string
  algorithm: string
  /** Secret or private key: base64url for HMAC, PKCS#8 PEM otherwise. */
  privateKey: string
  /** Public JWK as JSON text; null for HMAC keys. */
  publicJwk: string | null
  createdAt: number
  /** When the key stopped signing; it keeps verifying for a grace period after. */
  retiredAt: number | null
}

export interface CounterState {
  count: number
  windowStartedAt: number
  blockedUntil: number | null
}

export interface UserStore {
  insertUser(user: NewUser): Promise<UserRecord | null>
  findUserById(id: number): Promise<UserRecord | null>
  findUserByEmailKey(emailKey: string): Promise<UserRecord | null>
  updateUserPassword(id: number, passwordHash: string, changedAt: number): Promise<void>
  updateUserActive(id: number, isActive: boolean): Promise<void>
  recordUserLogin(id: number, at: number): Promise<void>
  deleteUser(id: number): Promise<void>
}

export interface SessionStore {
  insertSession(session: NewSession): Promise<void>
  findSession(id: string): Promise<SessionRecord | null>
  findSessionByCookieHash(cookieHash: string): Promise<SessionRecord | null>
  /**
   * Atomically replaces the session's current refresh token with `next`, only if the
   * current one is `presentedJti` and the session is live. True when this call won.
   */
  rotateRefreshToken(input: RotateRefreshInput): Promise<boolean>
  touchSession(id: string, at: number): Promise<void>
  /** Ends a live session; true when this call ended it. */
  endSession(id: string, at: number, reason: string): Promise<boolean>
  /** Ends every live session of a user but one; returns the ids it ended. */
  endUserSessions(
    userId: number,
    at: number,
    reason: string,
    exceptSessionId?: string,
  ): Promise<string[]>
  listLiveSessions(userId: number, now: number): Promise<SessionRecord[]>
  listSessionsEndedSince(since: number): Promise<EndedSession[]>
  /** Deletes sessions that ended or expired before `before`; returns how many. */
  deleteSessionsFinishedBefore(before: number): Promise<number>
}

export interface KeyStore {
  listSigningKeys(): Promise<SigningKeyRecord[]>
  insertSigningKey(key: SigningKeyRecord): Promise<void>
  retireSigningKeys(algorithm: string, exceptKid: string, at: number): Promise<void>
  deleteSigningKeysRetiredBefore(before: number): Promise<number>
}

export interface CounterStore {
  /** Adds one to a counter in a window that restarts after `windowSeconds`. */
  incrementCounter(key: string, now: number, windowSeconds: number): Promise<CounterState>
  readCounter(key: string): Promise<CounterState | null>
  blockCounter(key: string, until: number): Promise<void>
  deleteCounter(key: string): Promise<void>
  deleteCountersIdleSince(before: number): Promise<number>
}

/** Everything Gatehouse keeps. */
export interface Storage extends UserStore, SessionStore, KeyStore, CounterStore {
  readonly dialect: 'sqlite' | 'postgres'
  /** Applies pending schema migrations; returns the names it applied. */
  migrate(): Promise<string[]>
  /** Resolves when storage answers a trivial query. */
  ping(): Promise<void>
  close(): Promise<void>
}
