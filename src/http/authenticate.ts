import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

import { GatehouseError } from '../core/errors.js'
import type { Gatehouse } from '../gatehouse.js'
import type { UserRecord } from '../storage/types.js'
import { sendError } from './error-responses.js'

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
 * A preHandler that sets `request.identity` or answers 401: either calls `done` or returns
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
  if (header === undefined) return undefined

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
  if (!identity) throw new GatehouseError('not_authenticated', 'Authentication credentials were not provided.')
  if (identity.user) return identity.user

  const user =
    freshness === 'recent'
      ? await gatehouse.accounts.findRecentById(identity.userId)
      : await gatehouse.accounts.findById(identity.userId)
  if (!user || !user.isActive) throw new GatehouseError('token_not_valid', 'Token is invalid or expired')

  identity.user = user
  return user
}
