// A small notes application built with Hono, to which Gatehouse adds login, refresh and a
// guard for the routes that need a signed-in user.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { createGatehouse } from 'gatehouse'
import { authRoutes, requireAuth } from 'gatehouse/hono'

const gatehouse = await createGatehouse({
  databaseUrl: process.env.DATABASE_URL ?? 'sqlite:./data/auth.sqlite3',
})

const app = new Hono()
app.route('/auth', authRoutes(gatehouse))

// The application's own routes: a public one, and two that need a signed-in user.
const notes = []

app.get('/notes', (c) => c.json({ notes }))

app.post('/notes', requireAuth(gatehouse), async (c) => {
  const body = await c.req.json()
  const note = { text: String(body.text), author: c.get('auth').user.email }
  notes.push(note)
  return c.json(note, 201)
})

app.get('/me', requireAuth(gatehouse), (c) => {
  return c.json({ email: c.get('auth').user.email, session: c.get('auth').session.id })
})

const port = Number(process.env.PORT ?? 3000)
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`)
})
process.once('SIGTERM', () => server.close(() => gatehouse.close()))
