import type { FastifyInstance } from 'fastify'

import type { Gatehouse } from '../../gatehouse.js'
import { endpoint } from '../endpoint.js'
import { sendError } from '../error-responses.js'

/** Liveness, readiness (storage answers) and the public keys. */
export function registerServiceRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  endpoint(app, '/healthz', {
    GET: { handler: async () => ({ status: 'ok' }) },
  })

  endpoint(app, '/readyz', {
    GET: {
      handler: async (_request, reply) => {
        try {
          await gatehouse.storage.ping()
        } catch {
          return sendError(reply, 'storage_unavailable', 'Storage is not reachable.')
        }
        return { status: 'ready' }
      },
    },
  })

  endpoint(app, '/.well-known/jwks.json', {
    GET: {
      handler: async (_request, reply) => {
        // Public keys may be cached briefly; a rotation shows within a minute.
        reply.header('Cache-Control', 'public, max-age=60')
        return gatehouse.keys.publicJwks()
      },
    },
  })
}
