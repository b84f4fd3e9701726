import type { FastifyInstance, FastifyRequest } from 'fastify'

import type { Gatehouse } from '../../gatehouse.js'
import { clientInfo } from '../client-info.js'
import { endpoint } from '../endpoint.js'
import { emptyObjectSchema, tokenPairSchema } from '../openapi-schemas.js'

const refreshSchema = {
  type: 'object',
  required: ['refresh'],
  properties: { refresh: { type: 'string' } },
} as const

const verifySchema = {
  type: 'object',
  required: ['token'],
  properties: { token: { type: 'string' } },
} as const

/**
 * simplejwt's token endpoints: refresh (rotating), verify (with revocation, unlike
 * simplejwt's) and blacklist (ends the refresh token's session). All three share one limit
 * per client address, counted before the body is read.
 */
export function registerRefreshRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  const limit = async (request: FastifyRequest) => {
    await gatehouse.tokenRequests.hit(clientInfo(request).clientIp)
  }

  endpoint(app, '/accounts/api/token/refresh/', {
    POST: {
      onRequest: limit,
      schema: {
        summary: 'Trade a refresh token for a new access token and a rotated refresh token.',
        tags: ['tokens'],
        body: refreshSchema,
        response: { 200: tokenPairSchema },
      },
      config: { invalidBodyDetail: 'Send a JSON object with a string field refresh.' },
      handler: async (request) => {
        const { refresh } = request.body as { refresh: string }
        return gatehouse.sessions.refresh(refresh)
      },
    },
  })

  endpoint(app, '/accounts/api/token/verify/', {
    POST: {
      onRequest: limit,
      schema: {
        summary: 'Check that a token is valid now, its session live.',
        tags: ['tokens'],
        body: verifySchema,
        response: { 200: emptyObjectSchema },
      },
      config: { invalidBodyDetail: 'Send a JSON object with a string field token.' },
      handler: async (request) => {
        const { token } = request.body as { token: string }
        await gatehouse.sessions.verifyToken(token)
        return {}
      },
    },
  })

  endpoint(app, '/accounts/api/token/blacklist/', {
    POST: {
      onRequest: limit,
      schema: {
        summary: 'End the session of a refresh token.',
        tags: ['tokens'],
        body: refreshSchema,
        response: { 200: emptyObjectSchema },
      },
      config: { invalidBodyDetail: 'Send a JSON object with a string field refresh.' },
      handler: async (request) => {
        const { refresh } = request.body as { refresh: string }
        await gatehouse.sessions.endSessionOfRefreshToken(refresh)
        return {}
      },
    },
  })
}
