/**
 * Gatehouse for Hono: a sub-application serving its routes under the path it is routed at,
 * and guards for the application's own routes.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * import { createGatehouse } from 'gatehouse'
 * import { authRoutes, requireAuth, type AuthVariables } from 'gatehouse/hono'
 *
 * const gatehouse = await createGatehouse({ databaseUrl: 'sqlite:./data/auth.sqlite3' })
 * const app = new Hono<{ Variables: AuthVariables }>()
 * app.route('/auth', authRoutes(gatehouse))
 * app.get('/api/me', requireAuth(gatehouse), (c) => c.json({ email: c.get('auth').user.email }))
 * ```
 * @packageDocumentation
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'

import type { Gatehouse } from '../gatehouse.js'
import type { TokenVerifier, VerifiedToken } from '../verify/token-verifier.js'
import { routeFetchRequest } from './mount.js'
import {
  authenticateRequest,
  describeFailure,
  cookieResponseHeaders,
  verifyRequestToken,
  type RequestAuth,
} from './request-auth.js'

/** The context variables the guards set: `c.get('auth')`, `c.get('accessToken')`. */
export interface AuthVariables {
  auth: RequestAuth
  accessToken: VerifiedToken
}

export interface AuthRoutesOptions {
  /**
   * The client's address, for the user's list of devices. By default the socket's address
   * under `@hono/node-server`; behind a proxy, read it from a header you trust.
   */
  clientIp?: (c: Context) => string | undefined
}

/**
 * A Hono application serving Gatehouse's routes under the path it is routed at:
 * `app.route('/auth', authRoutes(gatehouse))` serves login at `POST /auth/accounts/api/token/`.
 * Each request is answered by Gatehouse's own server, so bodies are read by its parsers
 * within its limits.
 */
export function authRoutes(gatehouse: Gatehouse, options: AuthRoutesOptions = {}): Hono {
  const clientIp = options.clientIp ?? nodeSocketAddress
  const app = new Hono()

  app.all('*', (c) => {
    const { prefix, path } = splitMountedPath(c)
    return routeFetchRequest(gatehouse, c.req.raw, { path, prefix, clientIp: clientIp(c) })
  })
  return app
}

/**
 * Middleware that lets a request through with a Bearer access token of a live session, or
 * else the web session cookie (with, on unsafe methods, the same origin and the
 * `X-CSRF-Token` header), and sets `c.get('auth')` to the user and session. Otherwise
 * answers 401 or 403 with `{"detail", "code"}`, and on a 401 `WWW-Authenticate`.
 */
export function requireAuth(
  gatehouse: Gatehouse,
): MiddlewareHandler<{ Variables: Pick<AuthVariables, 'auth'> }> {
  return async (c, next) => {
    try {
      const url = new URL(c.req.url)
      c.set(
        'auth',
        await authenticateRequest(gatehouse, {
          method: c.req.method,
          headers: c.req.header(),
          protocol: url.protocol.replace(/:$/, ''),
          host: url.host,
        }),
      )
    } catch (error) {
      return refuse(error)
    }
    await next()
    for (const [name, value] of Object.entries(cookieResponseHeaders(c.get('auth')))) {
      c.header(name, value)
    }
  }
}

/**
 * For services that only verify Gatehouse's tokens, with no database: middleware that lets
 * a request through with a valid access token and sets `c.get('accessToken')`.
 */
export function requireToken(
  verifier: TokenVerifier,
): MiddlewareHandler<{ Variables: Pick<AuthVariables, 'accessToken'> }> {
  return async (c, next) => {
    try {
      c.set('accessToken', await verifyRequestToken(verifier, c.req.header('authorization')))
    } catch (error) {
      return refuse(error)
    }
    await next()
  }
}

function refuse(error: unknown): Response {
  const failure = describeFailure(error)
  return new Response(JSON.stringify(failure.body), {
    status: failure.status,
    headers: failure.headers,
  })
}

/**
 * Splits the request path into the part Hono matched before the sub-application's `*`
 * (the mount prefix, which may hold parameters) and Gatehouse's own path after it.
 */
function splitMountedPath(c: Context): { prefix: string; path: string } {
  const routed = routePath(c).replace(/\/?\*$/, '')
  const depth = routed.split('/').filter(Boolean).length
  const segments = new URL(c.req.url).pathname.split('/')
  const prefix = segments.slice(0, depth + 1).join('/')

  return { prefix, path: '/' + segments.slice(depth + 1).join('/') }
}

function nodeSocketAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined
  return env?.incoming?.socket?.remoteAddress
}

export type { RequestAuth, AuthUser, AuthSession } from './request-auth.js'
export type { TokenVerifier, VerifiedToken } from '../verify/token-verifier.js'
