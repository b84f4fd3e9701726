// A small notes application built with Express, to which Gatehouse adds login, refresh
// and a guard for the routes that need a signed-in user.
import express from 'express'
import { createGatehouse } from 'gatehouse'
import { authRoutes, requireAuth } from 'gatehouse/express'

const gatehouse = await createGatehouse({
  databaseUrl: process.env.DATABASE_URL ?? 'sqlite:./data/auth.sqlite3',
})

const app = express()
app.disable('x-powered-by')
app.use('/auth', authRoutes(gatehouse)) // before express.json(): Gatehouse reads its own bodies
app.use(express.json())

// The application's own routes: a public one, and two that need a signed-in user.
const notes = []

app.get('/notes', (req, res) => {
  res.json({ notes })
})

app.post('/notes', requireAuth(gatehouse), (req, res) => {
  const note = { text: String(req.body.text), author: req.auth.user.email }
  notes.push(note)
  res.status(201).json(note)
})

app.get('/me', requireAuth(gatehouse), (req, res) => {
  res.json({ email: req.auth.user.email, session: req.auth.session.id })
})

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
process.once('SIGTERM', () => server.close(() => gatehouse.close()))
