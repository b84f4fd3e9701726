import type { IncomingMessage, ServerResponse } from 'node:http'

import type { TLSSocket } from 'node:tls'

import {
  describeFailure,
  cookieResponseHeaders,
  type RequestAuth,
  type RequestCredentials,
} from './request-auth.js'

/**
 * The credentials of a Node request (Express's requests are Node's). The scheme is the
 * framework's when it has one (Express's `req.protocol` follows its `trust proxy`).
 */
export function nodeCredentials(
  request: IncomingMessage & { protocol?: string },
): RequestCredentials {
  const encrypted = (request.socket as TLSSocket | undefined)?.encrypted === true
  return {
    method: request.method ?? 'GET',
    headers: request.headers,
    protocol: request.protocol ?? (encrypted ? 'https' : 'http'),
    host: request.headers.host ?? '',
  }
}

/** Sets the headers of the response to a cookie-authenticated request. */
export function setCookieResponseHeaders(response: ServerResponse, auth: RequestAuth): void {
  for (const [name, value] of Object.entries(cookieResponseHeaders(auth))) {
    response.setHeader(name, value)
  }
}

/**
 * Sends a refusal with the documented body. Anything but a refusal goes to `next`, the
 * framework's error handling.
 */
export function sendFailure(
  response: ServerResponse,
  error: unknown,
  next: (error: unknown) => void,
): void {
  let failure
  try {
    failure = describeFailure(error)
  } catch {
    return next(error)
  }

  response.statusCode = failure.status
  for (const [name, value] of Object.entries(failure.headers)) response.setHeader(name, value)
  response.end(JSON.stringify(failure.body))
}
