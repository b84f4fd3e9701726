import type { FastifyReply, FastifyRequest } from 'fastify'

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

/** Loads the user behind an identity; a user gone or switched off ends the request. */
export async function requireUser(gatehouse: Gatehouse, request: FastifyRequest): Promise<UserRecord> {
  const identity = request.identity
  if (!identity) throw new GatehouseError('not_authenticated', 'Authentication credentials were not provided.')
  if (identity.user) return identity.user

  const user = await gatehouse.accounts.findById(identity.userId)
  if (!user || !user.isActive) throw new GatehouseError('token_not_valid', 'Token is invalid or expired')

  identity.user = user
  return user
}
