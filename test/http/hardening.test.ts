import { connect } from 'node:net'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PASSWORD, bearer, createUser, expectError, login, postJson } from '../support/api.js'
import { startServer, type RunningServer } from '../support/server.js'

let server: RunningServer

beforeAll(async () => {
  server = await startServer({ env: { GATEHOUSE_TRUSTED_PROXIES: 'loopback' } })
  await createUser(server, 'alice@example.com')
})

afterAll(async () => {
  await server.stop()
})

describe('findings of the first break-it pass', () => {
  it('answers 405 with Allow to WebDAV and other rare methods on a known path', async () => {
    for (const method of ['PROPFIND', 'COPY', 'LOCK', 'SEARCH', 'MKCOL']) {
      const status = await rawStatus(server.url, `${method} /api/protected/ HTTP/1.1`)
      expect(status).toBe(405)
    }
  })

  it('refuses a password holding a lone surrogate instead of merging it with others', async () => {
    const tokens = await login(server, 'alice@example.com')
    const change = await postJson(
      server,
      '/accounts/api/password/',
      { old_password: PASSWORD, new_password: 'abc\ud800defghijkl' },
      bearer(tokens.access),
    )
    await expectError(change, 400, 'invalid_request')

    const attempt = await postJson(server, '/accounts/api/token/', {
      email: 'alice@example.com',
      password: 'abc\udfffdefghijkl',
    })
    await expectError(attempt, 400, 'invalid_request')
  })

  it('does not take a forwarded entry that is not an IP address as the client address', async () => {
    for (const forwarded of ['garbage', '1.2.3.4:5555', '[::1]:80']) {
      const tokens = await login(server, 'alice@example.com', PASSWORD, {
        'x-forwarded-for': forwarded,
      })
      const response = await server.request('/accounts/api/sessions/', {
        headers: bearer(tokens.access),
      })
      const { sessions } = (await response.json()) as {
        sessions: Array<{ current: boolean; client_ip: string }>
      }
      const current = sessions.find((session) => session.current)
      expect(current?.client_ip).not.toBe(forwarded)
    }
  })

  it('refuses to blacklist a refresh token whose session has ended, as simplejwt does', async () => {
    const tokens = await login(server, 'alice@example.com')
    const blacklist = () =>
      postJson(server, '/accounts/api/token/blacklist/', { refresh: tokens.refresh })

    expect((await blacklist()).status).toBe(200)
    await expectError(await blacklist(), 401, 'token_not_valid')
  })
})

/** Sends one request line by hand, for methods fetch will not send. */
function rawStatus(url: string, requestLine: string): Promise<number> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`${requestLine}\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`)
    })
    let text = ''
    socket.on('data', (chunk) => (text += chunk))
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1])))
    socket.on('error', reject)
  })
}
