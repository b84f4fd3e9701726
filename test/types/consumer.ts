// What a TypeScript application writes against the package's declarations, resolved through
// its `exports` map as a consumer's compiler resolves them. Compiled, never run.
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'

import { createGatehouse, createTokenVerifier, GatehouseError, type RequestAuth } from 'gatehouse'
import { createClient, SessionEndedEvent } from 'gatehouse/client'
import * as forExpress from 'gatehouse/express'
import * as forFastify from 'gatehouse/fastify'
import { authRoutes, requireAuth, requireToken, type AuthVariables } from 'gatehouse/hono'

export async function wire(): Promise<void> {
  const gatehouse = await createGatehouse({
    databaseUrl: 'sqlite::memory:',
    accessTokenLifetime: '5m',
  })
  const verifier = createTokenVerifier({ signingKey: 'x'.repeat(32) })

  const expressApp = express()
  expressApp.use('/auth', forExpress.authRoutes(gatehouse))
  expressApp.get('/me', forExpress.requireAuth(gatehouse), (req, res) => {
    const auth: RequestAuth | undefined = req.auth
    res.json({ email: auth?.user.email, user: req.accessToken?.userId })
  })

  const fastifyApp = Fastify()
  await fastifyApp.register(forFastify.authRoutes, { prefix: '/auth', gatehouse })
  fastifyApp.get('/me', { preHandler: forFastify.requireAuth(gatehouse) }, async (request) => {
    return { email: request.auth?.user.email, session: request.auth?.session.id }
  })

  const honoApp = new Hono<{ Variables: AuthVariables }>()
  honoApp.route('/auth', authRoutes(gatehouse))
  honoApp.get('/me', requireAuth(gatehouse), (c) => c.json({ email: c.get('auth').user.email }))
  honoApp.get('/svc', requireToken(verifier), (c) => c.json({ user: c.get('accessToken').userId }))

  const client = createClient({ authUrl: '/auth' })
  client.addEventListener('sessionended', (event) => {
    if (event instanceof SessionEndedEvent) console.log(event.reason)
  })
  await client.login('ada@example.com', 'a long passphrase')

  const error: unknown = new GatehouseError('not_found', 'Not found.')
  if (error instanceof GatehouseError) console.log(error.code)
  verifier.close()
  await gatehouse.close()
}
