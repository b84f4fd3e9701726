import { fileURLToPath } from 'node:url'

import express from 'express'
import { authRoutes, requireAuth, requireToken } from 'gatehouse/express'

import { announce, openGatehouse, openVerifier, stopOnSignal } from './common.mjs'

const gatehouse = await openGatehouse()
const verifier = openVerifier()
const app = express()
app.disable('x-powered-by')

app.use('/auth', authRoutes(gatehouse))
app.use(express.json())

app.get('/open', (_req, res) => res.json({ open: true }))
// The built client, for pages that load it in a browser.
app.use('/client', express.static(fileURLToPath(new URL('../../../dist/client', import.meta.url))))
app.post('/echo', (req, res) => res.json({ echoed: req.body }))
app.get('/api/me', requireAuth(gatehouse), (req, res) => res.json(req.auth))
app.post('/api/notes', requireAuth(gatehouse), (req, res) => {
  res.status(201).json({ note: req.body.text, by: req.auth.user.email })
})
if (verifier) app.get('/svc/me', requireToken(verifier), (req, res) => res.json(req.accessToken))

const server = app.listen(0, '127.0.0.1', () => announce(server.address().port))
stopOnSignal(async () => {
  server.close()
  verifier?.close()
  await gatehouse.close()
})
