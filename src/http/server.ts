import { METHODS } from 'node:http'

import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'

import type { Gatehouse } from '../gatehouse.js'
import { requireSession } from './authenticate.js'
import { registerBodyParsers } from './body-parsers.js'
import { handleClientError } from './client-errors.js'
import { handleError, sendError } from './error-responses.js'
import { withLazyChildren } from './lazy-logger.js'
import { collectRoutes } from './openapi.js'
import { registerAccountRoutes } from './routes/account.js'
import { registerDocsRoutes } from './routes/docs.js'
import { registerServiceRoutes } from './routes/health.js'
import { registerProtectedRoutes } from './routes/protected.js'
import { registerRefreshRoutes } from './routes/refresh.js'
import { registerTokenRoutes } from './routes/token.js'
import { registerWebRoutes } from './routes/web.js'

export interface ServerOptions {
  /** A pino logger for the server's own lines; none when absent. */
  logger?: FastifyBaseLogger
}

/**
 * Builds the HTTP server over a loaded Gatehouse. The server only translates: every
 * decision is made by the services.
 */
export function buildServer(gatehouse: Gatehouse, options: ServerOptions = {}): FastifyInstance {
  const { settings } = gatehouse
  const app = Fastify({
    ...(options.logger ? { loggerInstance: withLazyChildren(options.logger) } : { logger: false }),
    // Request lines would carry query strings, and a client may put a token there.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: settings.bodyLimitBytes,
    trustProxy: settings.trustedProxies.length > 0 ? settings.trustedProxies : false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 128 },
    // A number where a string belongs is a client error, not something to coerce.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    return503OnClosing: true,
    // A body that stops arriving must not hold a connection forever (slowloris).
    requestTimeout: 30_000,
    clientErrorHandler: handleClientError,
    // A URL that does not decode (`/%ff`) is refused before routing, with the same body.
    frameworkErrors: handleError,
  })

  // Teach the router every method Node parses, so a known path answers 405, never 404.
  // CONNECT never reaches the router: Node hands it to a separate event.
  for (const method of METHODS) {
    if (method !== 'CONNECT' && !app.supportedMethods.includes(method)) app.addHttpMethod(method)
  }

  app.decorateRequest('identity', null)
  registerBodyParsers(app)
  app.setErrorHandler(handleError)
  app.setNotFoundHandler((_request, reply) => sendError(reply, 'not_found', 'Not found.'))

  // Callback style, not async: this runs on every request and needs no promise.
  app.addHook('onRequest', (_request, reply, done) => {
    // Token and account responses must never be cached (RFC 6749 section 5.1).
    reply.header('Cache-Control', 'no-store')
    done()
  })

  // Before any route: the OpenAPI document describes the routes registered after this.
  const documented = collectRoutes(app)
  const guard = requireSession(gatehouse)
  registerTokenRoutes(app, gatehouse)
  registerRefreshRoutes(app, gatehouse)
  registerAccountRoutes(app, gatehouse, guard)
  registerProtectedRoutes(app, gatehouse, guard)
  registerServiceRoutes(app, gatehouse)
  registerWebRoutes(app, gatehouse)
  registerDocsRoutes(app, documented)

  return app
}
