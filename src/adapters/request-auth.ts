import type { FastifyRequest } from 'fastify'

import { GatehouseError, isGatehouseError } from '../core/errors.js'
import type { Gatehouse } from '../gatehouse.js'
import { parseBearer, requireCsrfOnUnsafe } from '../http/authenticate.js'
import { describeError, type ErrorResponse } from '../http/error-responses.js'
import { hasCookie } from '../http/web/cookies.js'
import { loadWebSession, webContext, type WebContext } from '../http/web/web-session.js'
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
  /**
   * With the cookie, the session's CSRF token: the application puts it in its pages, and
   * its scripts send it as `X-CSRF-Token` on unsafe requests. Null with a Bearer token.
   */
  csrfToken: string | null
}

/** The parts of an HTTP request a guard reads, whatever the framework. */
export interface RequestCredentials {
  method: string
  /** The request headers, named in lower case. */
  headers: Record<string, string | string[] | undefined>
  /** The scheme and host the browser addressed, for the same-origin check of cookies. */
  protocol: string
  host: string
}

/** A refusal, ready for any framework to send: status, headers (with its type), body. */
export type AuthFailure = ErrorResponse

/**
 * Authenticates a request to one of the application's own routes, as Gatehouse's own API
 * routes do: a Bearer access token, or else the web session cookie, whose unsafe requests
 * also need the same origin and the session's CSRF token in `X-CSRF-Token`. An
 * `Authorization` header decides alone. Throws a `GatehouseError` when refused.
 */
export async function authenticateRequest(
  gatehouse: Gatehouse,
  request: RequestCredentials,
): Promise<RequestAuth> {
  const context = webContext(gatehouse)
  const asServerRequest = request as unknown as FastifyRequest
  const bearer = request.headers.authorization !== undefined
  if (!bearer && hasCookie(asServerRequest, context.cookies.sessionName)) {
    return authenticateCookie(context, request)
  }

  const token = readBearerToken(headerText(request.headers.authorization))
  if (token === undefined) throw notAuthenticated()

  const identity = gatehouse.sessions.authenticateAccessToken(token)
  const loaded = await gatehouse.sessions.loadIdentity(identity)
  if (!loaded) throw new GatehouseError('token_not_valid', 'Token is invalid or expired')

  return { ...describeIdentity(loaded.user, loaded.session), credential: 'bearer', csrfToken: null }
}

async function authenticateCookie(
  context: WebContext,
  request: RequestCredentials,
): Promise<RequestAuth> {
  // The web helpers read only the headers, scheme and host of the request.
  const asServerRequest = request as unknown as FastifyRequest
  const web = await loadWebSession(context, asServerRequest)
  if (!web) throw new GatehouseError('not_authenticated', 'The session has ended or is not valid.')

  requireCsrfOnUnsafe(asServerRequest, web.csrfToken)
  const identity = describeIdentity(web.user, web.session)
  return { ...identity, credential: 'cookie', csrfToken: web.csrfToken }
}

/**
 * Headers for the response to a cookie-authenticated request, as Gatehouse's own API routes
 * send them: it depends on the cookie, so no shared cache may keep it or serve it to another
 * browser; and it hands a same-origin script the CSRF token for its next unsafe request
 * (a cross-origin script cannot read it without CORS).
 */
export function cookieResponseHeaders(auth: RequestAuth): Record<string, string> {
  if (auth.credential !== 'cookie' || auth.csrfToken === null) return {}
  return { 'Cache-Control': 'private, no-store', Vary: 'Cookie', 'X-CSRF-Token': auth.csrfToken }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
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

  const token = parseBearer(header)
  if (token === null) throw new GatehouseError('token_not_valid', 'Token is invalid or expired')
  return token
}

/**
 * The documented answer to a failed authentication, as Gatehouse's own routes give it (see
 * `describeError`). Anything that is not a `GatehouseError` is not a refusal and is thrown
 * again.
 */
export function describeFailure(error: unknown): AuthFailure {
  if (!isGatehouseError(error)) throw error
  return describeError(error.code, error.message, error.retryAfterSeconds)
}

export function notAuthenticated(): GatehouseError {
  return new GatehouseError('not_authenticated', 'Authentication credentials were not provided.')
}

function describeIdentity(user: UserRecord, session: SessionRecord) {
  return { user: publicUser(user), session: publicSession(session) }
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
