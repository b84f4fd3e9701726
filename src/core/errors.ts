/**
 * The closed list of error codes Gatehouse reports. Each code is stable: clients may branch
 * on it. The HTTP layer maps each one to a status in `http/error-responses.ts`.
 */
export const ERROR_CODES = [
  'invalid_request',
  'invalid_credentials',
  'token_not_valid',
  'not_authenticated',
  'csrf_failed',
  'cross_site_request',
  'permission_denied',
  'not_found',
  'session_not_found',
  'method_not_allowed',
  'payload_too_large',
  'headers_too_large',
  'request_timeout',
  'unsupported_media_type',
  'throttled',
  'invalid_old_password',
  'password_too_short',
  'password_too_long',
  'password_too_common',
  'password_too_similar',
  'password_entirely_numeric',
  'email_invalid',
  'email_taken',
  'user_not_found',
  'signing_key_fixed',
  'storage_unavailable',
  'cache_unavailable',
  'internal_error',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

/**
 * The one error type Gatehouse throws on purpose. `message` is a short sentence safe to show
 * to a client: it never holds a token, password, key or session id.
 */
export class GatehouseError extends Error {
  override readonly name = 'GatehouseError'

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message)
  }
}

export function isGatehouseError(value: unknown): value is GatehouseError {
  return value instanceof GatehouseError
}
