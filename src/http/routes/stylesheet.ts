import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

import type { FastifyInstance } from 'fastify'

import { endpoint } from '../endpoint.js'
import { STYLESHEET_PATH } from '../web/views/layout.js'

// The stylesheet ships beside dist/ in the package (see "files" in package.json).
const STYLESHEET_FILE = resolve(import.meta.dirname, '../../../static/gatehouse.css')

/** `GET /static/gatehouse.css`: the pages' one stylesheet, read once at start. */
export function registerStylesheetRoute(app: FastifyInstance): void {
  const stylesheet = readFileSync(STYLESHEET_FILE, 'utf8')

  endpoint(app, STYLESHEET_PATH, {
    GET: {
      schema: {
        summary: "The web pages' stylesheet.",
        tags: ['web pages'],
        produces: 'text/css',
        response: { 200: { description: 'CSS.', type: 'string' } },
      },
      handler: async (_request, reply) => {
        // The same for every user: a shared cache may keep it for a while.
        reply.header('Cache-Control', 'public, max-age=3600')
        reply.header('X-Content-Type-Options', 'nosniff')
        return reply.type('text/css; charset=utf-8').send(stylesheet)
      },
    },
  })
}
