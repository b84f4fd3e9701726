/**
 * Gatehouse for Express: its routes under a path the application chooses, and guards for
 * the application's own routes.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { createGatehouse } from 'gatehouse'
 * import { authRoutes, requireAuth } from 'gatehouse/express'
 *
 * const gatehouse = await createGatehouse({ databaseUrl: 'sqlite:./data/auth.sqlite3' })
 * const app = express()
 * app.use('/auth', authRoutes(gatehouse)) // before any body parser
 * app.get('/api/me', requireAuth(gatehouse), (req, res) => {
 *   res.json({ email: req.auth!.user.email })
 * })
 * ```
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

import type { Gatehouse } from '../gatehouse.js'
import type { TokenVerifier, VerifiedToken } from '../verify/token-verifier.js'
import { routeNodeRequest } from './mount.js'
import { nodeCredentials, sendFailure, setCookieResponseHeaders } from './node-http.js'
import { authenticateRequest, verifyRequestToken, type RequestAuth } from './request-auth.js'

declare global {
  // Express's own declaration merging point for what middleware adds to a request.
  namespace Express {
    interface Request {
      /** Set by `requireAuth`: the signed-in user and their session. */
      auth?: RequestAuth
      /** Set by `requireToken`: the verified access token's subject and session. */
      accessToken?: VerifiedToken
    }
  }
}

/** An Express request as far as Gatehouse reads it. */
export type ExpressRequest = IncomingMessage & {
  baseUrl?: string
  protocol?: string
  auth?: RequestAuth
  accessToken?: VerifiedToken
}

/** Express middleware, typed without depending on Express's type package. */
export type ExpressMiddleware = (
  request: ExpressRequest,
  response: ServerResponse,
  next: (error?: unknown) => void,
) => void

/**
 * Serves Gatehouse's routes under the path it is mounted at: `app.use('/auth',
 * authRoutes(gatehouse))` serves login at `POST /auth/accounts/api/token/`. Mount it before
 * any body parser, which would consume the request body first.
 */
export function authRoutes(gatehouse: Gatehouse): ExpressMiddleware {
  return (request, response, next) => {
    routeNodeRequest(gatehouse, request, response, request.baseUrl ?? '').catch(next)
  }
}

/**
 * Lets a request through with a Bearer access token of a live session, or else the web
 * session cookie (with, on unsafe methods, the same origin and the `X-CSRF-Token` header),
 * and sets `req.auth` to the user and session. Otherwise answers 401 or 403 with
 * `{"detail", "code"}`, and on a 401 `WWW-Authenticate` (RFC 6750 section 3).
 */
export function requireAuth(gatehouse: Gatehouse): ExpressMiddleware {
  return (request, response, next) => {
    authenticateRequest(gatehouse, nodeCredentials(request)).then(
      (auth) => {
        request.auth = auth
        setCookieResponseHeaders(response, auth)
        next()
      },
      (error: unknown) => sendFailure(response, error, next),
    )
  }
}

/**
 * For services that only verify Gatehouse's tokens, with no database: lets a request
 * through with a valid access token and sets `req.accessToken`.
 */
export function requireToken(verifier: TokenVerifier): ExpressMiddleware {
  return (request, response, next) => {
    verifyRequestToken(verifier, request.headers.authorization).then(
      (verified) => {
        request.accessToken = verified
        next()
      },
      (error: unknown) => sendFailure(response, error, next),
    )
  }
}

export type { RequestAuth, AuthUser, AuthSession } from './request-auth.js'
export type { TokenVerifier, VerifiedToken } from '../verify/token-verifier.js'
