// A small notes application built with Fastify, to which Gatehouse adds login, refresh
// and a guard for the routes that need a signed-in user.
import Fastify from 'fastify'
import { createGatehouse } from 'gatehouse'
import { authRoutes, requireAuth } from 'gatehouse/fastify'

const gatehouse = await createGatehouse({
  databaseUrl: process.env.DATABASE_URL ?? 'sqlite:./data/auth.sqlite3',
})

const app = Fastify()
await app.register(authRoutes, { prefix: '/auth', gatehouse })

// The application's own routes: a public one, and two that need a signed-in user.
const notes = []

app.get('/notes', async () => ({ notes }))

app.post('/notes', { preHandler: requireAuth(gatehouse) }, async (request, reply) => {
  const note = { text: String(request.body.text), author: request.auth.user.email }
  notes.push(note)
  return reply.code(201).send(note)
})

app.get('/me', { preHandler: requireAuth(gatehouse) }, async (request) => {
  return { email: request.auth.user.email, session: request.auth.session.id }
})

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) })
console.log(`listening on http://127.0.0.1:${app.server.address().port}`)
process.once('SIGTERM', () => app.close().then(() => gatehouse.close()))
