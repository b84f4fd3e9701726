import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'

import { isGatehouseError } from '../../core/errors.js'
import { handleError, STATUS_BY_CODE } from '../error-responses.js'
import { markPrivate } from './cookies.js'
import type { SafeHtml } from './html.js'
import { errorPage } from './views/error-page.js'

// No script at all, styles only from our own stylesheet, forms only to ourselves, and no
// framing (clickjacking). `form-action` also covers where a form's redirect may lead.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ')

/** Headers every HTML page and every page redirect carries. */
function setPageHeaders(reply: FastifyReply): void {
  reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  reply.header('X-Frame-Options', 'DENY')
  reply.header('X-Content-Type-Options', 'nosniff')
  reply.header('Referrer-Policy', 'same-origin')
  reply.header('Cross-Origin-Opener-Policy', 'same-origin')
  // Pages show one user's data or carry a CSRF token bound to one browser's cookie.
  markPrivate(reply)
}

/** Sends an HTML page with the security and caching headers pages need. */
export function sendPage(reply: FastifyReply, status: number, page: SafeHtml): FastifyReply {
  setPageHeaders(reply)
  return reply.code(status).type('text/html; charset=utf-8').send(page.text)
}

/**
 * Redirects a browser. 302 sends an unauthenticated GET to the login page, as Django does;
 * 303 ends a form post, so a reload does not post it again.
 */
export function redirectTo(reply: FastifyReply, status: 302 | 303, location: string): FastifyReply {
  setPageHeaders(reply)
  return reply.code(status).header('Location', location).send()
}

/**
 * A route error handler for pages: Gatehouse errors become an HTML page with the status of
 * the error table; anything else is answered as on every other route.
 */
export function handlePageError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (!isGatehouseError(error)) return handleError(error, request, reply)

  return sendPage(reply, STATUS_BY_CODE[error.code], errorPage(error.message))
}
