import { isIP } from 'node:net'

import type { FastifyRequest } from 'fastify'

import type { ClientInfo } from '../sessions/session-service.js'

/**
 * The device a request comes from. `request.ip` believes forwarding headers only from the
 * proxies named in GATEHOUSE_TRUSTED_PROXIES (Fastify's trustProxy).
 */
export function clientInfo(request: FastifyRequest): ClientInfo {
  const userAgent = request.headers['user-agent']
  return {
    userAgent: typeof userAgent === 'string' ? userAgent : null,
    clientIp: clientAddress(request),
  }
}

/**
 * The client's IP address. A trusted proxy's `X-Forwarded-For` entry that is not an IP
 * address (`garbage`, `1.2.3.4:5555`) is not believed: the proxy's own address counts.
 */
export function clientAddress(request: FastifyRequest): string {
  if (isIP(request.ip) !== 0) return request.ip
  return request.socket.remoteAddress ?? 'unknown'
}
