import { createHash } from 'node:crypto'

import type { FastifyInstance } from 'fastify'

import { mountPrefix } from '../mount-prefix.js'
import { openApiDocument, openApiPath, type DocumentedRoute } from '../openapi.js'
import { endpoint } from '../endpoint.js'
import { escapeHtml } from '../web/html.js'

const STYLE = [
  'body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}',
  'code,pre{font-family:ui-monospace,monospace}',
  'section{border-top:1px solid #ccc;padding:.5rem 0}',
  '.method{display:inline-block;min-width:4.5rem;font-weight:bold}',
  'pre{background:#f4f4f4;padding:.5rem;overflow:auto}',
].join('')

// The page has no script at all, and only this one inline style, allowed by its hash.
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64')
const PAGE_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

/**
 * `GET /openapi.json`, the OpenAPI 3.1 document generated from the route schemas, and
 * `GET /docs`, the same rendered as a plain page that works offline.
 */
export function registerDocsRoutes(app: FastifyInstance, routes: DocumentedRoute[]): void {
  endpoint(app, '/openapi.json', {
    GET: {
      schema: { hide: true },
      handler: async (request) => openApiDocument(routes, mountPrefix(request)),
    },
  })

  endpoint(app, '/docs', {
    GET: {
      schema: { hide: true },
      handler: async (request, reply) => {
        reply
          .header('Content-Security-Policy', PAGE_POLICY)
          .header('X-Frame-Options', 'DENY')
          .header('X-Content-Type-Options', 'nosniff')
          .header('Referrer-Policy', 'no-referrer')
          .type('text/html; charset=utf-8')
        return renderPage(routes, mountPrefix(request))
      },
    },
  })
}

function renderPage(routes: DocumentedRoute[], prefix: string): string {
  const operations = [...routes]
    .sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method))
    .map((route) => renderOperation(route, prefix))
    .join('\n')

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse API</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Gatehouse API</h1>
<p>Every operation of this server. The machine-readable document is
<a href="${escapeHtml(prefix)}/openapi.json">openapi.json</a> (OpenAPI 3.1). Errors answer
<code>{"detail": "...", "code": "..."}</code>.</p>
${operations}
</main>
</body>
</html>
`
}

function renderOperation(route: DocumentedRoute, prefix: string): string {
  const { schema } = route
  const path = prefix + openApiPath(route.url)
  const requirements = schema.security ?? []
  const schemes = new Set(requirements.flatMap((requirement) => Object.keys(requirement)))
  const needs = schemes.has('bearerAuth')
    ? ' Needs a Bearer token or the session cookie.'
    : schemes.has('sessionCookie')
      ? ' Needs the session cookie.'
      : ''
  const body = schema.body ? `<p>Body</p><pre>${escapeHtml(sketch(schema.body))}</pre>` : ''
  const answers = Object.entries((schema.response ?? {}) as Record<string, unknown>)
    .map(([status, value]) => {
      return `<li><code>${escapeHtml(status)}</code> ${escapeHtml(answer(value))}</li>`
    })
    .join('')

  return `<section>
<h2><span class="method">${route.method}</span> <code>${escapeHtml(path)}</code></h2>
<p>${escapeHtml(schema.summary ?? '')}${needs}</p>
${body}
<ul>${answers}</ul>
</section>`
}

/** A response: its description when it has no JSON body, else the body's shape. */
function answer(schema: unknown): string {
  const { description, type } = schema as { description?: string; type?: unknown }
  if (type === 'null' || type === 'string') return description ?? String(type)
  return sketch(schema)
}

/** A schema in one line: `{ email: string, password: string }`. */
function sketch(schema: unknown): string {
  const value = schema as {
    type?: unknown
    properties?: Record<string, unknown>
    items?: unknown
    anyOf?: unknown[]
  }
  if (value.anyOf) return value.anyOf.map(sketch).join(' | ')
  if (value.properties) {
    const fields = Object.entries(value.properties).map(([name, field]) => {
      return `${name}: ${sketch(field)}`
    })
    return fields.length > 0 ? `{ ${fields.join(', ')} }` : '{}'
  }
  if (value.type === 'array') return `${sketch(value.items ?? {})}[]`
  if (Array.isArray(value.type)) return value.type.join(' | ')
  if (value.type === 'null') return 'null'
  return typeof value.type === 'string' ? value.type : 'any'
}
