import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'

import { isGatehouseError, type ErrorCode } from '../core/errors.js'

/** The one table from error code to HTTP status. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_credentials: 401,
  token_not_valid: 401,
  not_authenticated: 401,
  csrf_failed: 403,
  cross_site_request: 403,
  permission_denied: 403,
  not_found: 404,
  session_not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  headers_too_large: 431,
  request_timeout: 408,
  unsupported_media_type: 415,
  throttled: 429,
  invalid_old_password: 400,
  password_too_short: 400,
  password_too_long: 400,
  password_too_common: 400,
  password_too_similar: 400,
  password_entirely_numeric: 400,
  email_invalid: 400,
  email_taken: 409,
  user_not_found: 404,
  signing_key_fixed: 409,
  storage_unavailable: 503,
  cache_unavailable: 503,
  internal_error: 500,
}

export interface ErrorBody {
  detail: string
  code: ErrorCode
  /** Only on login failures, the key the seed's Django view used. */
  error?: string
}

/** An error answer any framework can send: its status, headers and documented body. */
export interface ErrorResponse {
  status: number
  headers: Record<string, string>
  body: ErrorBody
}

/**
 * The documented answer to an error code: `{"detail", "code"}` with the status of the table;
 * on a 401 the `WWW-Authenticate` challenge of RFC 6750 section 3, which names the token
 * when a token was the reason; `Retry-After` when the caller should wait.
 */
export function describeError(
  code: ErrorCode,
  detail: string,
  retryAfterSeconds?: number,
): ErrorResponse {
  const status = STATUS_BY_CODE[code]
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' }
  if (status === 401) {
    const presented = code === 'token_not_valid' ? ', error="invalid_token"' : ''
    headers['WWW-Authenticate'] = `Bearer realm="api"${presented}`
  }
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = retryAfter(retryAfterSeconds)

  const body: ErrorBody =
    code === 'invalid_credentials' ? { error: detail, detail, code } : { detail, code }
  return { status, headers, body }
}

/** The `Retry-After` value for a wait: whole seconds, at least one. */
export function retryAfter(seconds: number): string {
  return String(Math.max(1, Math.ceil(seconds)))
}

/** Sends the documented error body: `{"detail": ..., "code": ...}` and nothing else. */
export function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  detail: string,
  retryAfterSeconds?: number,
): FastifyReply {
  const { status, headers, body } = describeError(code, detail, retryAfterSeconds)
  return reply.code(status).headers(headers).send(body)
}

const FASTIFY_ERRORS: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'This content type is not supported.'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'The request body is too large.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_request', 'The request body is not valid JSON.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_request', 'The request body is empty.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['invalid_request', 'The Content-Length is wrong.'],
  FST_ERR_BAD_URL: ['invalid_request', 'The URL could not be read.'],
  FST_ERR_CTP_EMPTY_TYPE: ['unsupported_media_type', 'This content type is not supported.'],
  FST_ERR_CTP_INVALID_TYPE: ['unsupported_media_type', 'This content type is not supported.'],
}

/**
 * Turns any error into the documented body. Gatehouse errors keep their code; framework
 * errors get a fixed sentence (never a parser position); anything else is a 500 whose
 * details go to the log only.
 */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (isGatehouseError(error)) {
    return sendError(reply, error.code, error.message, error.retryAfterSeconds)
  }

  if (error.validation) {
    const detail = request.routeOptions.config.invalidBodyDetail ?? 'The request body is not valid.'
    return sendError(reply, 'invalid_request', detail)
  }

  const known = error.code ? FASTIFY_ERRORS[error.code] : undefined
  if (known) return sendError(reply, known[0], known[1])

  if (error instanceof SyntaxError || (error.statusCode ?? 500) < 500) {
    return sendError(reply, 'invalid_request', 'The request could not be read.')
  }

  request.log.error({ event: 'request.failed', err: { name: error.name, code: error.code } })
  return sendError(reply, 'internal_error', 'Something went wrong on our side.')
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The sentence a 400 gives when this route's body fails its schema. */
    invalidBodyDetail?: string
  }
}
