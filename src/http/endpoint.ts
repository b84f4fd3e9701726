import type { FastifyInstance, RouteOptions } from 'fastify'

import { sendError } from './error-responses.js'

type Handlers = Partial<
  Record<'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH', Omit<RouteOptions, 'method' | 'url'>>
>

/**
 * Registers one path with its methods. `OPTIONS` answers 204 with `Allow` and needs no
 * credentials; any other method answers 405 with `Allow`. `HEAD` follows `GET` without a
 * body. Trailing slashes are optional (set on the server), never redirected.
 */
export function endpoint(app: FastifyInstance, url: string, handlers: Handlers): void {
  const methods = Object.keys(handlers) as Array<keyof Handlers>
  const allowed = [...methods, ...(handlers.GET ? ['HEAD'] : []), 'OPTIONS']
  const allow = allowed.join(', ')

  for (const method of methods) {
    app.route({ ...(handlers[method] as RouteOptions), method, url })
  }

  app.route({
    method: 'OPTIONS',
    url,
    handler: async (_request, reply) => reply.code(204).header('Allow', allow).send(),
  })

  // Every method the router knows, WebDAV's included, so none falls through to a 404.
  const refused = app.supportedMethods.filter((method) => !allowed.includes(method))
  app.route({
    method: refused,
    url,
    handler: async (_request, reply) => {
      reply.header('Allow', allow)
      return sendError(reply, 'method_not_allowed', 'This method is not allowed here.')
    },
  })
}
