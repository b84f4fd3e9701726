/**
 * JSON Schemas shared by the routes' response schemas and the OpenAPI document. A response
 * schema also decides what Fastify serializes: a field missing here is never sent.
 */

export const tokenPairSchema = {
  type: 'object',
  required: ['access', 'refresh'],
  properties: {
    access: { type: 'string', description: 'Access token (JWT) for `Authorization: Bearer`.' },
    refresh: { type: 'string', description: 'Refresh token (JWT), rotated at each refresh.' },
  },
  additionalProperties: false,
} as const

export const emptyObjectSchema = {
  type: 'object',
  properties: {},
  additionalProperties: false,
} as const

export const noContentSchema = { type: 'null', description: 'No content.' } as const

export const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' } },
  additionalProperties: false,
} as const

/** The documented error body (CONTRACT.md): a sentence and a stable code. */
export const errorBodySchema = {
  type: 'object',
  required: ['detail', 'code'],
  properties: {
    detail: { type: 'string', description: 'One short sentence for people.' },
    code: { type: 'string', description: 'A stable snake_case code for programs.' },
    error: { type: 'string', description: 'Only on invalid_credentials, as the Django view sent.' },
  },
  additionalProperties: false,
} as const

/** An HTML page (documented only: Fastify does not serialize a string it sends as HTML). */
export const htmlPage = { description: 'An HTML page.', type: 'string' } as const

/** A browser redirect, with no body. */
export function redirect(description: string) {
  return { description, type: 'null' } as const
}

/** Routes that take a Bearer access token or the web session cookie. */
export const bearerOrCookie = [{ bearerAuth: [] }, { sessionCookie: [] }]
