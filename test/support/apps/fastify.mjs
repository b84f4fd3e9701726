import Fastify from 'fastify'
import { authRoutes, requireAuth, requireToken } from 'gatehouse/fastify'

import { announce, openGatehouse, openVerifier, stopOnSignal } from './common.mjs'

const gatehouse = await openGatehouse()
const verifier = openVerifier()
const app = Fastify()

await app.register(authRoutes, { prefix: '/auth', gatehouse })

app.get('/open', async () => ({ open: true }))
app.post('/echo', async (request) => ({ echoed: request.body }))
app.get('/api/me', { preHandler: requireAuth(gatehouse) }, async (request) => request.auth)
app.post('/api/notes', { preHandler: requireAuth(gatehouse) }, async (request, reply) => {
  return reply.code(201).send({ note: request.body.text, by: request.auth.user.email })
})
if (verifier) {
  app.get('/svc/me', { preHandler: requireToken(verifier) }, async (request) => request.accessToken)
}

await app.listen({ host: '127.0.0.1', port: 0 })
announce(app.server.address().port)
stopOnSignal(async () => {
  await app.close()
  verifier?.close()
  await gatehouse.close()
})
