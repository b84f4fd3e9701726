import type { FastifyInstance } from 'fastify'

import type { Gatehouse } from '../../gatehouse.js'
import type { SessionRecord } from '../../storage/types.js'
import { requireUser, type ApiGuard } from '../authenticate.js'
import { clientInfo } from '../client-info.js'
import { endpoint } from '../endpoint.js'
import { bearerOrCookie, noContentSchema, tokenPairSchema } from '../openapi-schemas.js'

const logoutSchema = {
  anyOf: [{ type: 'null' }, { type: 'object', properties: { all: { type: 'boolean' } } }],
} as const

const passwordSchema = {
  type: 'object',
  required: ['old_password', 'new_password'],
  properties: { old_password: { type: 'string' }, new_password: { type: 'string' } },
} as const

const nullableString = { type: ['string', 'null'] } as const

const sessionListSchema = {
  type: 'object',
  required: ['sessions'],
  properties: {
    sessions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          kind: { type: 'string', enum: ['api', 'web'] },
          created_at: { type: 'string', format: 'date-time' },
          last_used_at: { type: 'string', format: 'date-time' },
          expires_at: { type: 'string', format: 'date-time' },
          user_agent: nullableString,
          client_ip: nullableString,
          current: { type: 'boolean' },
        },
      },
    },
  },
} as const

/** The signed-in user's own account: logout, password change, their sessions. */
export function registerAccountRoutes(
  app: FastifyInstance,
  gatehouse: Gatehouse,
  guard: ApiGuard,
): void {
  endpoint(app, '/accounts/api/logout/', {
    POST: {
      preHandler: guard,
      schema: {
        summary: 'End this session, or with {"all": true} every session of the user.',
        tags: ['account'],
        security: bearerOrCookie,
        body: logoutSchema,
        response: { 204: noContentSchema },
      },
      config: { invalidBodyDetail: 'Send no body, or a JSON object with a boolean field all.' },
      handler: async (request, reply) => {
        const identity = request.identity!
        const all = (request.body as { all?: boolean } | null | undefined)?.all === true

        if (all) await gatehouse.sessions.endUserSessions(identity.userId, 'logout_all')
        else await gatehouse.sessions.endSession(identity.sessionId, 'logout')
        return reply.code(204).send()
      },
    },
  })

  endpoint(app, '/accounts/api/password/', {
    POST: {
      preHandler: guard,
      schema: {
        summary: 'Change the password; every session ends, and a new pair is returned.',
        tags: ['account'],
        security: bearerOrCookie,
        body: passwordSchema,
        response: { 200: tokenPairSchema },
      },
      config: { invalidBodyDetail: 'Send old_password and new_password as strings.' },
      handler: async (request) => {
        const user = await requireUser(gatehouse, request)
        const body = request.body as { old_password: string; new_password: string }

        return gatehouse.changePassword(
          user,
          body.old_password,
          body.new_password,
          clientInfo(request),
        )
      },
    },
  })

  endpoint(app, '/accounts/api/sessions/', {
    GET: {
      preHandler: guard,
      schema: {
        summary: "The user's live sessions (devices).",
        tags: ['account'],
        security: bearerOrCookie,
        response: { 200: sessionListSchema },
      },
      handler: async (request) => {
        const identity = request.identity!
        const sessions = await gatehouse.sessions.listLiveSessions(identity.userId)
        return { sessions: sessions.map((session) => describeSession(session, identity.sessionId)) }
      },
    },
  })

  endpoint(app, '/accounts/api/sessions/:id/', {
    DELETE: {
      preHandler: guard,
      schema: {
        summary: "End one of the user's sessions.",
        tags: ['account'],
        security: bearerOrCookie,
        params: { type: 'object', properties: { id: { type: 'string' } } },
        response: { 204: noContentSchema },
      },
      handler: async (request, reply) => {
        const { id } = request.params as { id: string }
        await gatehouse.sessions.endOwnSession(request.identity!.userId, id)
        return reply.code(204).send()
      },
    },
  })
}

/** A session as its owner sees it in the list of devices. */
export function describeSession(session: SessionRecord, currentSessionId: string) {
  return {
    id: session.id,
    kind: session.kind,
    created_at: isoTime(session.createdAt),
    last_used_at: isoTime(session.lastUsedAt),
    expires_at: isoTime(session.expiresAt),
    user_agent: session.userAgent,
    client_ip: session.clientIp,
    current: session.id === currentSessionId,
  }
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString()
}
