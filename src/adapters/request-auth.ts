import { GatehouseError, isGatehouseError, type ErrorCode } from '../core/errors.js'
import type { Gatehouse } from '../gatehouse.js'
import { STATUS_BY_CODE } from '../http/error-responses.js'
import type { SessionKind, SessionRecord, UserRecord } from '../storage/types.js'
import type { TokenVerifier, VerifiedToken } from '../verify/token-verifier.js'

/** The signed-in user as an application sees it: never the password hash. */
export interface AuthUser {
  id: number
  email: string
  /** A display name; null when the user has none and goes by their email. */
  username: string | null
  isStaff: boolean
  isSuperuser: boolean
}

/** The session a request belongs to. Times are Unix seconds. */
export interface AuthSession {
  id: string
  kind: SessionKind
  createdAt: number
  expiresAt: number
}

/** What a guard puts on a request it lets through. */
export interface RequestAuth {
  user: AuthUser
  session: AuthSession
  /** How the caller proved it: a Bearer access token or the web session cookie. */
  credential: 'bearer' | 'cookie'
}

/** The parts of an HTTP request a guard reads, whatever the framework. */
export interface RequestCredentials {
  method: string
  /** The `Authorization` header, if any. */
  authorization: string | undefined
}

/** A refusal, ready for any framework to send. */
export interface AuthFailure {
  status: number
  headers: Record<string, string>
  body: { detail: string; code: ErrorCode }
}

// RFC 9110 section 11.1: the scheme is case-insensitive; one or more spaces follow it.
const BEARER = /^bearer +(\S+)$/i

/**
 * Authenticates a request to one of the application's own routes: a Bearer access token of
 * a live session whose user is still active. Throws a `GatehouseError` otherwise.
 */
export async function authenticateRequest(
  gatehouse: Gatehouse,
  request: RequestCredentials,
): Promise<RequestAuth> {
  const token = readBearerToken(request.authorization)
  if (token === undefined) throw notAuthenticated()

  const identity = gatehouse.sessions.authenticateAccessToken(token)
  const loaded = await gatehouse.sessions.loadIdentity(identity)
  if (!loaded) throw new GatehouseError('token_not_valid', 'Token is invalid or expired')

  return { user: publicUser(loaded.user), session: publicSession(loaded.session), credential: 'bearer' }
}

/**
 * Verifies the Bearer token of a request with a `TokenVerifier` alone, for services that
 * have no database: no user is loaded.
 */
export async function verifyRequestToken(
  verifier: TokenVerifier,
  authorization: string | undefined,
): Promise<VerifiedToken> {
  const token = readBearerToken(authorization)
  if (token === undefined) throw notAuthenticated()
  return verifier.verify(token)
}

/**
 * The token of an `Authorization: Bearer` header: undefined without the header; a header
 * that is not one Bearer token is refused.
 */
export function readBearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined

  const match = BEARER.exec(header.trim())
  if (!match) throw new GatehouseError('token_not_valid', 'Token is invalid or expired')
  return match[1] as string
}

/**
 * The documented answer to a failed authentication: `{"detail", "code"}` with its status,
 * and on a 401 the `WWW-Authenticate` challenge of RFC 6750 section 3. Anything that is not
 * a `GatehouseError` is not a refusal and is thrown again.
 */
export function describeFailure(error: unknown): AuthFailure {
  if (!isGatehouseError(error)) throw error

  const status = STATUS_BY_CODE[error.code]
  const headers: Record<string, string> = {}
  if (status === 401) {
    const presented = error.code === 'token_not_valid' ? ', error="invalid_token"' : ''
    headers['WWW-Authenticate'] = `Bearer realm="api"${presented}`
  }
  return { status, headers, body: { detail: error.message, code: error.code } }
}

export function notAuthenticated(): GatehouseError {
  return new GatehouseError('not_authenticated', 'Authentication credentials were not provided.')
}

function publicUser(user: UserRecord): AuthUser {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    isStaff: user.isStaff,
    isSuperuser: user.isSuperuser,
  }
}

function publicSession(session: SessionRecord): AuthSession {
  return {
    id: session.id,
    kind: session.kind,
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
  }
}
