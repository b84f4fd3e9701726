import { GatehouseError } from '../core/errors.js'

export type UnavailableCode = 'storage_unavailable' | 'cache_unavailable'

const MESSAGES: Record<UnavailableCode, string> = {
  storage_unavailable: 'Storage is not reachable; try again shortly.',
  cache_unavailable: 'The shared cache is not reachable; try again shortly.',
}

/** How soon a client may try again after a backend was found unreachable. */
const RETRY_AFTER_SECONDS = 1

/**
 * Wraps every method of a backend so that a failure to reach it (refused, dropped, timed
 * out) becomes a GatehouseError with `code`, which the HTTP layer answers with 503. Other
 * failures, such as a broken query, pass through unchanged and stay 500s.
 *
 * A proxy rather than a try/catch in each method: a method added to the backend later is
 * covered without anyone remembering to.
 */
export function reportUnavailable<Backend extends object>(
  backend: Backend,
  isUnavailable: (error: unknown) => boolean,
  code: UnavailableCode,
): Backend {
  return new Proxy(backend, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver)
      if (typeof value !== 'function') return value

      return async (...args: unknown[]) => {
        try {
          return await value.apply(target, args)
        } catch (error) {
          if (isUnavailable(error)) throw unavailable(code)
          throw error
        }
      }
    },
  })
}

/** The error a caller gets when a backend cannot be reached. */
export function unavailable(code: UnavailableCode): GatehouseError {
  return new GatehouseError(code, MESSAGES[code], RETRY_AFTER_SECONDS)
}

/** True for the error `reportUnavailable` throws. */
export function isUnavailableError(error: unknown): boolean {
  return (
    error instanceof GatehouseError &&
    (error.code === 'storage_unavailable' || error.code === 'cache_unavailable')
  )
}

const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
])

/** True for a Node.js socket error: the backend's host or port did not answer. */
export function isSocketError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && SOCKET_ERRORS.has(code)
}
