import { randomBytes } from 'node:crypto'

import type { FastifyRequest } from 'fastify'

/**
 * The header through which a framework adapter tells the server the path it is mounted
 * under. Its name is random for each process, so no client can send it.
 */
export const MOUNT_PREFIX_HEADER = `x-gatehouse-mount-${randomBytes(12).toString('hex')}`

/** The path Gatehouse's routes are mounted under (`/auth`), or '' when served standalone. */
export function mountPrefix(request: FastifyRequest): string {
  const value = request.headers[MOUNT_PREFIX_HEADER]
  return typeof value === 'string' && value.startsWith('/') ? value : ''
}
