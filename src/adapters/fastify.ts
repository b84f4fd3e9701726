/**
 * Gatehouse for Fastify: a plugin that serves its routes under the prefix it is registered
 * with, and guards for the application's own routes.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { createGatehouse } from 'gatehouse'
 * import { authRoutes, requireAuth } from 'gatehouse/fastify'
 *
 * const gatehouse = await createGatehouse({ databaseUrl: 'sqlite:./data/auth.sqlite3' })
 * const app = Fastify()
 * await app.register(authRoutes, { prefix: '/auth', gatehouse })
 * app.get('/api/me', { preHandler: requireAuth(gatehouse) }, async (request) => ({
 *   email: request.auth!.user.email,
 * }))
 * ```
 * @packageDocumentation
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'

import type { Gatehouse } from '../gatehouse.js'
import type { TokenVerifier, VerifiedToken } from '../verify/token-verifier.js'
import { routeNodeRequest } from './mount.js'
import {
  authenticateRequest,
  describeFailure,
  cookieResponseHeaders,
  verifyRequestToken,
  type RequestAuth,
} from './request-auth.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireAuth`: the signed-in user and their session. */
    auth?: RequestAuth
    /** Set by `requireToken`: the verified access token's subject and session. */
    accessToken?: VerifiedToken
  }
}

export interface AuthRoutesOptions {
  gatehouse: Gatehouse
}

/** A Fastify preHandler hook. */
export type FastifyGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

/**
 * Serves Gatehouse's routes under the prefix the plugin is registered with:
 * `app.register(authRoutes, { prefix: '/auth', gatehouse })` serves login at
 * `POST /auth/accounts/api/token/`. The plugin is encapsulated: it changes nothing in the
 * rest of the application.
 */
export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (app, { gatehouse }) => {
  // Gatehouse's own server reads the body, with its own parsers and limits: leave it unread.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, done) => done(null))

  const prefix = app.prefix
  if (prefix === '') {
    // At the root, Gatehouse's catch-all routes would take every path of the application.
    throw new Error("Register Gatehouse's authRoutes with a prefix, such as { prefix: '/auth' }")
  }
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack()
    request.raw.url = (request.raw.url ?? '/').slice(prefix.length) || '/'
    await routeNodeRequest(gatehouse, request.raw, reply.raw, prefix)
  }
  app.all('/', { exposeHeadRoute: false }, forward)
  app.all('/*', { exposeHeadRoute: false }, forward)
}

/**
 * A preHandler that lets a request through with a Bearer access token of a live session, or
 * else the web session cookie (with, on unsafe methods, the same origin and the
 * `X-CSRF-Token` header), and sets `request.auth` to the user and session. Otherwise answers
 * 401 or 403 with `{"detail", "code"}`, and on a 401 `WWW-Authenticate` (RFC 6750 section 3).
 */
export function requireAuth(gatehouse: Gatehouse): FastifyGuard {
  return async (request, reply) => {
    try {
      request.auth = await authenticateRequest(gatehouse, {
        method: request.method,
        headers: request.headers,
        protocol: request.protocol,
        host: request.host,
      })
    } catch (error) {
      return refuse(reply, error)
    }
    reply.headers(cookieResponseHeaders(request.auth))
  }
}

/**
 * For services that only verify Gatehouse's tokens, with no database: a preHandler that
 * lets a request through with a valid access token and sets `request.accessToken`.
 */
export function requireToken(verifier: TokenVerifier): FastifyGuard {
  return async (request, reply) => {
    try {
      request.accessToken = await verifyRequestToken(verifier, request.headers.authorization)
    } catch (error) {
      return refuse(reply, error)
    }
  }
}

async function refuse(reply: FastifyReply, error: unknown): Promise<void> {
  const failure = describeFailure(error)
  await reply.code(failure.status).headers(failure.headers).send(failure.body)
}

export type { RequestAuth, AuthUser, AuthSession } from './request-auth.js'
export type { TokenVerifier, VerifiedToken } from '../verify/token-verifier.js'
