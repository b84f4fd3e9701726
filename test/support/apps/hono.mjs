import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { authRoutes, requireAuth, requireToken } from 'gatehouse/hono'

import { announce, openGatehouse, openVerifier, stopOnSignal } from './common.mjs'

const gatehouse = await openGatehouse()
const verifier = openVerifier()
const app = new Hono()

app.route('/auth', authRoutes(gatehouse))

app.get('/open', (c) => c.json({ open: true }))
app.post('/echo', async (c) => c.json({ echoed: await c.req.json() }))
app.get('/api/me', requireAuth(gatehouse), (c) => c.json(c.get('auth')))
app.post('/api/notes', requireAuth(gatehouse), async (c) => {
  const body = await c.req.json()
  return c.json({ note: body.text, by: c.get('auth').user.email }, 201)
})
if (verifier) app.get('/svc/me', requireToken(verifier), (c) => c.json(c.get('accessToken')))

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  announce(info.port)
})
stopOnSignal(async () => {
  server.close()
  verifier?.close()
  await gatehouse.close()
})
