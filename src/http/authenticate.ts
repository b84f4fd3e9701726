import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

import { GatehouseError } from '../core/errors.js'
import type { Gatehouse } from '../gatehouse.js'
import type { UserRecord } from '../storage/types.js'
import { sendError } from './error-responses.js'
import { refuseCrossSite } from './same-site.js'
import { hasCookie, markPrivate } from './web/cookies.js'
import { CSRF_HEADER, tokensMatch } from './web/csrf.js'
import { loadWebSession, webContext, type WebContext } from './web/web-session.js'

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

/**
 * A preHandler that sets `request.identity` or answers 401: it either calls `done` or returns
 * a promise, as Fastify allows.
 */
export type ApiGuard = (
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
) => void | Promise<unknown>

// RFC 9110 section 11.1: the scheme is case-insensitive; one or more spaces follow it.
const BEARER = /^bearer +(\S+)$/i

/**
 * Reads the `Authorization: Bearer` token. Undefined when there is no such header; null
 * when there is one but it is not a single Bearer token.
 */
export function bearerToken(request: FastifyRequest): string | null | undefined {
  const header = request.headers.authorization
  return header === undefined ? undefined : parseBearer(header)
}

/** The token of an `Authorization` header value, or null when it is not one Bearer token. */
export function parseBearer(header: string): string | null {
  const match = BEARER.exec(header.trim())
  return match ? (match[1] as string) : null
}

/**
 * A guard for Bearer-protected routes: a valid access token of a live session, checked
 * against the in-memory revocation list, with no storage read.
 */
export function requireBearer(gatehouse: Gatehouse): ApiGuard {
  // Synchronous with Fastify's `done`, not async: nothing here waits, and a promise on
  // every protected request was measurable. A throw still reaches the error handler.
  return (request, reply, done) => {
    const token = bearerToken(request)
    if (token === undefined) {
      sendError(reply, 'not_authenticated', 'Authentication credentials were not provided.')
      return
    }
    if (token === null) throw new GatehouseError('token_not_valid', 'Token is invalid or expired')

    const identity = gatehouse.sessions.authenticateAccessToken(token)
    request.identity = {
      userId: identity.userId,
      sessionId: identity.sessionId,
      credential: 'bearer',
      user: null,
    }
    done()
  }
}

// RFC 9110 section 9.2.1: the methods that change nothing, which need no CSRF token.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * A browser sends the session cookie with any request, another site's too, so an unsafe
 * method authenticated by the cookie also needs the same origin and the session's CSRF
 * token in `X-CSRF-Token`, which only a page of ours can know. Bearer requests never come
 * here: a browser adds no `Authorization` header by itself.
 */
export function requireCsrfOnUnsafe(request: FastifyRequest, csrfToken: string): void {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return

  refuseCrossSite(request)
  if (!tokensMatch(csrfToken, request.headers[CSRF_HEADER])) {
    throw new GatehouseError('csrf_failed', 'The X-CSRF-Token header is missing or wrong.')
  }
}

/**
 * The guard for API routes: a Bearer access token, or else the web session cookie. One
 * session model backs both, so a session ended anywhere refuses both. An `Authorization`
 * header decides alone: a bad token is refused even when a good cookie comes with it.
 */
export function requireSession(gatehouse: Gatehouse): ApiGuard {
  const bearer = requireBearer(gatehouse)
  const context = webContext(gatehouse)

  // Not async: a Bearer request stays on the synchronous path (see requireBearer); only the
  // cookie path, which reads storage, answers with a promise.
  return (request, reply, done) => {
    if (request.headers.authorization !== undefined) return bearer(request, reply, done)
    if (!hasCookie(request, context.cookies.sessionName)) return bearer(request, reply, done)

    return authenticateCookie(context, request, reply)
  }
}

/** The cookie half of `requireSession`, with the CSRF rule of `requireCsrfOnUnsafe`. */
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

  requireCsrfOnUnsafe(request, web.csrfToken)

  request.identity = {
    userId: web.user.id,
    sessionId: web.session.id,
    credential: 'cookie',
    user: web.user,
  }
}

/**
 * The active user behind an identity when they were read a moment ago (see RecentUsers),
 * without waiting; undefined when storage has to be asked.
 */
export function recentUser(gatehouse: Gatehouse, request: FastifyRequest): UserRecord | undefined {
  const identity = request.identity
  if (!identity) return undefined

  const user = identity.user ?? gatehouse.accounts.peekRecentById(identity.userId)
  return user?.isActive ? user : undefined
}

/**
 * Loads the user behind an identity; a user gone or switched off ends the request. A view
 * that only shows the user may take them as read a moment ago (`recent`); anything that
 * checks a password or a permission takes them as they are now (`current`).
 */
export async function requireUser(
  gatehouse: Gatehouse,
  request: FastifyRequest,
  freshness: 'current' | 'recent' = 'current',
): Promise<UserRecord> {
  const identity = request.identity
  if (!identity)
    throw new GatehouseError('not_authenticated', 'Authentication credentials were not provided.')
  if (identity.user) return identity.user

  const user =
    freshness === 'recent'
      ? await gatehouse.accounts.findRecentById(identity.userId)
      : await gatehouse.accounts.findById(identity.userId)
  if (!user || !user.isActive)
    throw new GatehouseError('token_not_valid', 'Token is invalid or expired')

  identity.user = user
  return user
}
