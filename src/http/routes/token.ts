import type { FastifyInstance } from 'fastify'

import type { Gatehouse } from '../../gatehouse.js'
import { clientInfo } from '../client-info.js'
import { endpoint } from '../endpoint.js'
import { tokenPairSchema } from '../openapi-schemas.js'
import { refuseCrossSite } from '../same-site.js'

interface LoginBody {
  email: string
  password: string
}

const loginSchema = {
  type: 'object',
  required: ['email', 'password'],
  properties: { email: { type: 'string' }, password: { type: 'string' } },
} as const

const FORM_TYPE = 'application/x-www-form-urlencoded'

/** `POST /accounts/api/token/`: email and password to an access and a refresh token. */
export function registerTokenRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  endpoint(app, '/accounts/api/token/', {
    POST: {
      schema: {
        summary: 'Log in with email and password: a new session and its token pair.',
        tags: ['tokens'],
        consumes: ['application/json', FORM_TYPE],
        body: loginSchema,
        response: { 200: tokenPairSchema },
      },
      config: { invalidBodyDetail: 'Send a JSON object with string fields email and password.' },
      handler: async (request) => {
        // A form post is what another site's page can make a browser send (login CSRF).
        if (request.headers['content-type']?.startsWith(FORM_TYPE)) refuseCrossSite(request)

        const { email, password } = request.body as LoginBody
        return gatehouse.login(email, password, clientInfo(request))
      },
    },
  })
}
