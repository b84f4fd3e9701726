import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'

import type { ErrorCode } from '../core/errors.js'
import { STATUS_BY_CODE } from './error-responses.js'

/**
 * Answers a request Node's HTTP parser refused before Fastify saw it (headers over the
 * 16 KiB limit, a malformed request line, a timeout) with the documented error body, then
 * closes the connection: after a parse error nothing more on it can be trusted.
 */
export function handleClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return

  const [code, detail] = describe(error.code)
  if (socket.writable) {
    const status = STATUS_BY_CODE[code]
    const body = JSON.stringify({ detail, code })
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Cache-Control: no-store\r\nConnection: close\r\n\r\n' +
        body,
    )
  }
  socket.destroy()
}

function describe(parserCode: string | undefined): [ErrorCode, string] {
  if (parserCode === 'HPE_HEADER_OVERFLOW') {
    return ['headers_too_large', 'The request headers are too large.']
  }
  if (parserCode === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return ['request_timeout', 'The request took too long to arrive.']
  }
  return ['invalid_request', 'The request could not be read.']
}
