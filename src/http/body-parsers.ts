import { parse as parseQueryString } from 'node:querystring'

import type { FastifyInstance } from 'fastify'

import { GatehouseError } from '../core/errors.js'
import { nestingDepth } from '../core/nesting-depth.js'

const MAX_JSON_DEPTH = 32
const MAX_FORM_FIELDS = 32

/**
 * JSON and form bodies. An empty JSON body is no body (a bare logout sends one). Objects
 * nested deeper than any request needs, and forms with more fields than any form has,
 * are refused before a route sees them.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  // Only the types below; Fastify's text/plain parser would let a cross-site form send JSON.
  app.removeAllContentTypeParsers()

  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined)

    void parseJson(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined)
      if (nestingDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) return done(tooDeep(), undefined)
      done(null, value)
    })
  })

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      const fields = parseQueryString(body as string, '&', '=', { maxKeys: MAX_FORM_FIELDS + 1 })
      if (Object.keys(fields).length > MAX_FORM_FIELDS) {
        return done(
          new GatehouseError('invalid_request', 'The form has too many fields.'),
          undefined,
        )
      }
      done(null, { ...fields })
    },
  )
}

function tooDeep(): GatehouseError {
  return new GatehouseError('invalid_request', 'The JSON body is nested too deeply.')
}
