import type { FastifyReply, FastifyRequest } from 'fastify'

import { GatehouseError } from '../core/errors.js'
import type { Gatehouse } from '../gatehouse.js'
import type { UserRecord } from '../storage/types.js'
import { sendError } from './error-responses.js'
import { refuseCrossSite } from './same-site.js'
import { cookiePolicy, hasCookie, markPrivate } from './web/cookies.js'
import { CSRF_HEADER, tokensMatch } from './web/csrf.js'
import { loadWebSession, type WebContext } from './web/web-session.js'

/** Who a request is from, once a guard let it through. */
export interface RequestIdentity {
  userId: number
  sessionId: string
  /** How the caller proved it: a Bearer access token or the web session cookie. */
  credential: 'bearer' | 'cookie'
  /** Loaded already when the credential needed it (cookies); otherwise load on demand. */
  user: UserRecord | null
}

declare module 'fastify' {
  interface FastifyRequest {
    identity: RequestIdentity | null
  }
}

/** A preHandler that sets `request.identity` or answers 401. */
export type ApiGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>

// RFC 9110 section 11.1: the scheme is case-insensitive; one or more spaces follow it.
const BEARER = /^bearer +(\S+)$/i

/**
 * Reads the `Authorization: Bearer` token. Undefined when there is no such header; null
 * when there is one but it is not a single Bearer token.
 */
export function bearerToken(request: FastifyRequest): string | null | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined

  const match = BEARER.exec(header.trim())
  return match ? (match[1] as string) : null
}

/**
 * A guard for Bearer-protected routes: a valid access token of a live session, checked
 * against the in-memory revocation list, with no storage read.
 */
export function requireBearer(gatehouse: Gatehouse): ApiGuard {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request)
    if (token === undefined) {
      return sendError(reply, 'not_authenticated', 'Authentication credentials were not provided.')
    }
    if (token === null) throw new GatehouseError('token_not_valid', 'Token is invalid or expired')

    const identity = gatehouse.sessions.authenticateAccessToken(token)
    request.identity = {
      userId: identity.userId,
      sessionId: identity.sessionId,
      credential: 'bearer',
      user: null,
    }
  }
}

// RFC 9110 section 9.2.1: the methods that change nothing, which need no CSRF token.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * The guard for API routes: a Bearer access token, or else the web session cookie. One
 * session model backs both, so a session ended anywhere refuses both. An `Authorization`
 * header decides alone: a bad token is refused even when a good cookie comes with it.
 */
export function requireSession(gatehouse: Gatehouse): ApiGuard {
  const bearer = requireBearer(gatehouse)
  const context: WebContext = { gatehouse, cookies: cookiePolicy(gatehouse.settings.secureCookies) }

  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers.authorization !== undefined) return bearer(request, reply)
    if (!hasCookie(request, context.cookies.sessionName)) return bearer(request, reply)

    return authenticateCookie(context, request, reply)
  }
}

/**
 * The cookie half of `requireSession`. A browser sends the cookie with any request, another
 * site's too, so an unsafe method also needs the same origin and the session's CSRF token in
 * the `X-CSRF-Token` header, which only a page of ours can know.
 */
async function authenticateCookie(
  context: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  // The answer depends on the cookie: never cache it, never serve it to another browser.
  markPrivate(reply)

  const web = await loadWebSession(context, request)
  if (!web) return sendError(reply, 'not_authenticated', 'The session has ended or is not valid.')

  // A page's script reads the token here for its next unsafe request. Another origin cannot:
  // without CORS, a cross-origin script sees no response header.
  reply.header('X-CSRF-Token', web.csrfToken)

  if (!SAFE_METHODS.has(request.method)) {
    refuseCrossSite(request)
    if (!tokensMatch(web.csrfToken, request.headers[CSRF_HEADER])) {
      throw new GatehouseError('csrf_failed', 'The X-CSRF-Token header is missing or wrong.')
    }
  }

  request.identity = {
    userId: web.user.id,
    sessionId: web.session.id,
    credential: 'cookie',
    user: web.user,
  }
}

/** Loads the user behind an identity; a user gone or switched off ends the request. */
export async function requireUser(
  gatehouse: Gatehouse,
  request: FastifyRequest,
): Promise<UserRecord> {
  const identity = request.identity
  if (!identity)
    throw new GatehouseError('not_authenticated', 'Authentication credentials were not provided.')
  if (identity.user) return identity.user

  const user = await gatehouse.accounts.findById(identity.userId)
  if (!user || !user.isActive)
    throw new GatehouseError('token_not_valid', 'Token is invalid or expired')

  identity.user = user
  return user
}
