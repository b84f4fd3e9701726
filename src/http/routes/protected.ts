import type { FastifyInstance } from 'fastify'

import type { Gatehouse } from '../../gatehouse.js'
import type { UserRecord } from '../../storage/types.js'
import { recentUser, requireUser, type ApiGuard } from '../authenticate.js'
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
      // Only shows the user, so a read from a moment ago will do (see RecentUsers). When one
      // is at hand the answer is sent without a promise: this is the busiest route.
      handler: (request) => {
        const user = recentUser(gatehouse, request)
        if (user) return greeting(user)
        return requireUser(gatehouse, request, 'recent').then(greeting)
      },
    },
  })
}

function greeting(user: UserRecord) {
  return { message: `Hello ${user.username ?? user.email}, you are authenticated!` }
}
