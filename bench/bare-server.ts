/**
 * The baseline for protected requests: a bare Fastify route on the same path, answering
 * with the exact JSON that Gatehouse's protected view answered for the bench user
 * (`BENCH_PROTECTED_BODY`), through the same kind of compiled response schema. No
 * authentication, no hooks, no storage: the most any Fastify app can serve here.
 */
import Fastify from 'fastify'

const body = JSON.parse(process.env.BENCH_PROTECTED_BODY ?? '{}') as { message: string }

const schema = {
  response: {
    200: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
  },
} as const

const app = Fastify({ logger: false })
app.get('/api/protected/', { schema }, async () => body)

await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address() as { port: number }
// The same line Gatehouse writes when it is ready, so one reader starts both.
console.log(JSON.stringify({ event: 'server.listening', url: `http://127.0.0.1:${address.port}` }))

process.once('SIGTERM', () => void app.close())
