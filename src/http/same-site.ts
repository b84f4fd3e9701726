import type { FastifyRequest } from 'fastify'

import { GatehouseError } from '../core/errors.js'

/**
 * Refuses a request a browser sent on another site's behalf. Browsers mark those with
 * `Sec-Fetch-Site` and `Origin`; clients that are not browsers send neither and pass.
 */
export function refuseCrossSite(request: FastifyRequest): void {
  const fetchSite = request.headers['sec-fetch-site']
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') {
    throw crossSite()
  }

  const origin = request.headers.origin
  if (origin !== undefined && origin !== ownOrigin(request)) throw crossSite()
}

export function ownOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

function crossSite(): GatehouseError {
  return new GatehouseError('cross_site_request', 'Cross-site requests are not accepted here.')
}
