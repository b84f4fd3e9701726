import type { IncomingMessage, ServerResponse } from 'node:http'

import { describeFailure, type RequestCredentials } from './request-auth.js'

/** The credentials of a Node request (Express's requests are Node's). */
export function nodeCredentials(request: IncomingMessage): RequestCredentials {
  return { method: request.method ?? 'GET', authorization: request.headers.authorization }
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
  response.setHeader('Content-Type', 'application/json; charset=utf-8')
  response.end(JSON.stringify(failure.body))
}
