import type { FastifyRequest } from 'fastify'

import type { ClientInfo } from '../sessions/session-service.js'

/**
 * The device a request comes from. `request.ip` believes forwarding headers only from the
 * proxies named in GATEHOUSE_TRUSTED_PROXIES (Fastify's trustProxy).
 */
export function clientInfo(request: FastifyRequest): ClientInfo {
  const userAgent = request.headers['user-agent']
  return { userAgent: typeof userAgent === 'string' ? userAgent : null, clientIp: request.ip }
}
