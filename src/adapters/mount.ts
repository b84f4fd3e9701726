import type { IncomingMessage, ServerResponse } from 'node:http'

import type { FastifyInstance, FastifyReply } from 'fastify'

import type { Gatehouse } from '../gatehouse.js'
import { MOUNT_PREFIX_HEADER, mountPrefix } from '../http/mount-prefix.js'
import { buildServer } from '../http/server.js'

/**
 * Every adapter serves Gatehouse's routes by handing the request to Gatehouse's own Fastify
 * server, so a mounted Gatehouse answers exactly as the standalone one does: the same
 * parsers, limits, error bodies and headers, whatever the host framework does.
 */
const servers = new WeakMap<Gatehouse, Promise<FastifyInstance>>()

/** The Gatehouse server behind the adapters: one per Gatehouse, built on first use. */
export function mountedServer(gatehouse: Gatehouse): Promise<FastifyInstance> {
  const known = servers.get(gatehouse)
  if (known) return known

  const app = buildServer(gatehouse)
  app.addHook('onSend', async (request, reply, payload) => {
    const prefix = mountPrefix(request)
    return prefix ? linksUnderPrefix(reply, payload, prefix) : payload
  })
  const server = (async () => {
    await app.ready()
    return app
  })()
  servers.set(gatehouse, server)
  return server
}

/**
 * Serves a Node request whose URL no longer holds the mount prefix. The request body must
 * still be unread: a host body parser that ran first would have consumed it.
 */
export async function routeNodeRequest(
  gatehouse: Gatehouse,
  request: IncomingMessage,
  response: ServerResponse,
  prefix: string,
): Promise<void> {
  if (request.readableEnded) {
    throw new Error('Gatehouse was mounted after a body parser; mount its routes before it')
  }

  const server = await mountedServer(gatehouse)
  request.headers[MOUNT_PREFIX_HEADER] = prefix
  server.routing(request, response)
}

/**
 * Serves a Fetch API request (Hono and other Request/Response frameworks). The body is read
 * up to one byte past the server's limit, so an oversized body gets the server's own 413.
 */
export async function routeFetchRequest(
  gatehouse: Gatehouse,
  request: Request,
  target: { path: string; prefix: string; clientIp: string | undefined },
): Promise<Response> {
  const server = await mountedServer(gatehouse)
  const payload = await readLimited(request, gatehouse.settings.bodyLimitBytes + 1)

  const headers = Object.fromEntries(request.headers)
  // The length of what is forwarded, which a truncated oversized body no longer matches.
  delete headers['content-length']
  headers[MOUNT_PREFIX_HEADER] = target.prefix

  const answer = await server.inject({
    method: request.method as 'GET',
    url: target.path + new URL(request.url).search,
    headers,
    ...(payload ? { payload } : {}),
    ...(target.clientIp ? { remoteAddress: target.clientIp } : {}),
  })
  const empty = hasNoBody(request.method, answer.statusCode)
  const body = empty ? null : new Uint8Array(answer.rawPayload)
  return new Response(body, {
    status: answer.statusCode,
    headers: responseHeaders(answer.headers),
  })
}

// Gatehouse's pages and redirects name its own paths from the root. Only those move under
// the prefix: a `next` path back into the application stays as it is.
const OWN_PATHS = /^\/(accounts\/|static\/|api\/protected\/|\.well-known\/|docs|openapi\.json)/
const HTML_LINK = /(\s(?:href|action|src)=")(\/[^"]*)"/g

function linksUnderPrefix(reply: FastifyReply, payload: unknown, prefix: string): unknown {
  const location = reply.getHeader('location')
  if (typeof location === 'string' && OWN_PATHS.test(location)) {
    reply.header('location', prefix + location)
  }

  const type = String(reply.getHeader('content-type') ?? '')
  if (typeof payload !== 'string' || !type.startsWith('text/html')) return payload
  return payload.replace(HTML_LINK, (link, attribute: string, path: string) =>
    OWN_PATHS.test(path) ? `${attribute}${prefix}${path}"` : link,
  )
}

async function readLimited(request: Request, limit: number): Promise<Buffer | undefined> {
  if (!request.body) return undefined

  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(chunk)
    length += chunk.byteLength
    if (length >= limit) break
  }
  return Buffer.concat(chunks).subarray(0, limit)
}

function hasNoBody(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304
}

function responseHeaders(headers: Record<string, unknown>): Headers {
  const result = new Headers()
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue
    for (const item of Array.isArray(value) ? value : [value]) result.append(name, String(item))
  }
  return result
}
