import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify'

import { errorBodySchema } from './openapi-schemas.js'

declare module 'fastify' {
  /** The documentation keys a route's schema may carry; Fastify itself ignores them. */
  interface FastifySchema {
    summary?: string
    description?: string
    tags?: string[]
    security?: Array<Record<string, string[]>>
    /** Request body media types; JSON when absent. */
    consumes?: string[]
    /** Response media type of every status; JSON when absent. */
    produces?: string
    /** Leaves the route out of the document. */
    hide?: boolean
  }
}

type DocumentedSchema = FastifySchema

export interface DocumentedRoute {
  method: string
  url: string
  schema: DocumentedSchema
}

type JsonObject = Record<string, unknown>

// The methods an endpoint answers for every path (OPTIONS, and HEAD after GET) are
// described once in the README, not on each operation.
const UNDOCUMENTED_METHODS = new Set(['HEAD', 'OPTIONS'])

/**
 * Records every route registered from now on, to describe it. Registered before the
 * routes, as Fastify only reports routes added after the hook.
 */
export function collectRoutes(app: FastifyInstance): DocumentedRoute[] {
  const routes: DocumentedRoute[] = []
  app.addHook('onRoute', (route: RouteOptions) => {
    // A list of methods is an endpoint's refusal route (405), not an operation.
    if (typeof route.method !== 'string' || UNDOCUMENTED_METHODS.has(route.method)) return
    const schema = (route.schema ?? {}) as DocumentedSchema
    if (schema.hide) return
    routes.push({ method: route.method, url: route.url, schema })
  })
  return routes
}

/** The OpenAPI 3.1 document of the collected routes, served under `prefix`. */
export function openApiDocument(routes: DocumentedRoute[], prefix: string): JsonObject {
  const paths: Record<string, JsonObject> = {}
  for (const route of routes) {
    const path = openApiPath(route.url)
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) }
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse',
      version: '0.1.0',
      description: 'Email and password login with JWT access and refresh tokens and web sessions.',
    },
    servers: [{ url: prefix || '/' }],
    paths,
    components: {
      schemas: { Error: errorBodySchema },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'gatehouse_session' },
      },
    },
  }
}

/** `/accounts/api/sessions/:id/` to `/accounts/api/sessions/{id}/`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
}

function operation(route: DocumentedRoute): JsonObject {
  const { schema } = route
  // Bearer routes answer a missing or bad credential with 401; pages redirect to the login.
  const secured = (schema.security ?? []).some((requirement) => 'bearerAuth' in requirement)
  return {
    ...(schema.summary ? { summary: schema.summary } : {}),
    ...(schema.description ? { description: schema.description } : {}),
    ...(schema.tags ? { tags: schema.tags } : {}),
    security: schema.security ?? [],
    ...parameters(route.url, schema),
    ...requestBody(schema),
    responses: responses(schema, secured),
  }
}

function parameters(url: string, schema: DocumentedSchema): JsonObject {
  const names = [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1] as string)
  const declared = propertiesOf(schema.params)
  const query = propertiesOf(schema.querystring)

  const list = [
    ...names.map((name) => {
      return { name, in: 'path', required: true, schema: declared?.[name] ?? { type: 'string' } }
    }),
    ...Object.entries(query ?? {}).map(([name, value]) => ({ name, in: 'query', schema: value })),
  ]
  return list.length > 0 ? { parameters: list } : {}
}

function propertiesOf(schema: unknown): Record<string, JsonObject> | undefined {
  return (schema as { properties?: Record<string, JsonObject> } | undefined)?.properties
}

function requestBody(schema: DocumentedSchema): JsonObject {
  if (!schema.body) return {}
  const types = schema.consumes ?? ['application/json']
  const content = Object.fromEntries(types.map((type) => [type, { schema: schema.body }]))
  return { requestBody: { required: true, content } }
}

function responses(schema: DocumentedSchema, secured: boolean): JsonObject {
  const declared = (schema.response ?? {}) as Record<string, JsonObject>
  const mediaType = schema.produces ?? 'application/json'
  const result: JsonObject = {}

  for (const [status, body] of Object.entries(declared)) {
    const description = typeof body.description === 'string' ? body.description : 'Success.'
    result[status] =
      body.type === 'null'
        ? { description }
        : { description, content: { [mediaType]: { schema: body } } }
  }
  if (secured) {
    result['401'] = {
      description: 'No credential, or not a valid one: `not_authenticated`, `token_not_valid`.',
      headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    }
  }
  result.default = {
    description: 'An error, with a stable code (see the README list of codes).',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  }
  return result
}
