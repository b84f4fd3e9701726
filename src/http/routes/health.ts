import type { FastifyInstance } from 'fastify'

import type { Gatehouse } from '../../gatehouse.js'
import { endpoint } from '../endpoint.js'
import { statusSchema } from '../openapi-schemas.js'
import { sendError } from '../error-responses.js'

const jwksSchema = {
  type: 'object',
  required: ['keys'],
  properties: {
    keys: { type: 'array', items: { type: 'object', additionalProperties: { type: 'string' } } },
  },
  additionalProperties: false,
} as const

/** Liveness, readiness (storage answers) and the public keys. */
export function registerServiceRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  endpoint(app, '/healthz', {
    GET: {
      schema: { summary: 'Liveness.', tags: ['service'], response: { 200: statusSchema } },
      handler: async () => ({ status: 'ok' }),
    },
  })

  endpoint(app, '/readyz', {
    GET: {
      schema: {
        summary: 'Readiness: storage answers.',
        tags: ['service'],
        response: { 200: statusSchema },
      },
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
      schema: {
        summary: 'The public keys that verify tokens (RFC 7517); empty while only HMAC keys sign.',
        tags: ['tokens'],
        response: { 200: jwksSchema },
      },
      handler: async (_request, reply) => {
        // Public keys may be cached briefly; a rotation shows within a minute.
        reply.header('Cache-Control', 'public, max-age=60')
        return gatehouse.keys.publicJwks()
      },
    },
  })
}
