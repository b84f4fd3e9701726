import type { FastifyInstance } from 'fastify'

import type { Gatehouse } from '../../gatehouse.js'
import { requireUser, type ApiGuard } from '../authenticate.js'
import { endpoint } from '../endpoint.js'
import { bearerOrCookie } from '../openapi-schemas.js'

const greetingSchema = {
  200: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
} as const

/** `GET /api/protected/`: the seed guide's example of a view that needs a signed-in user. */
export function registerProtectedRoutes(
  app: FastifyInstance,
  gatehouse: Gatehouse,
  guard: ApiGuard,
): void {
  endpoint(app, '/api/protected/', {
    GET: {
      preHandler: guard,
      schema: {
        summary: 'The guide example of a view that needs a signed-in user.',
        tags: ['example'],
        security: bearerOrCookie,
        response: greetingSchema,
      },
      handler: async (request) => {
        const user = await requireUser(gatehouse, request)
        const username = user.username ?? user.email
        return { message: `Hello ${username}, you are authenticated!` }
      },
    },
  })
}
