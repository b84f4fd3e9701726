import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PASSWORD, createUser, expectError, getProtected, login, sleep } from '../support/api.js'
import { startServer, type RunningServer } from '../support/server.js'

let server: RunningServer

beforeAll(async () => {
  server = await startServer()
  await createUser(server, 'alice@example.com')
  await createUser(server, 'named@example.com', PASSWORD, ['--username', 'captain'])
  await createUser(server, 'leaving@example.com')
})

afterAll(async () => {
  await server.stop()
})

/** Asks until the answer is not 200 any more; the server learns of ends within its sync. */
async function statusOnceRefused(access: string): Promise<Response> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const response = await getProtected(server, access)
    if (response.status !== 200) return response
    await sleep(50)
  }
  return getProtected(server, access)
}

describe('the protected view', () => {
  it('greets the user by email when they have no username', async () => {
    const { access } = await login(server, 'alice@example.com')
    const response = await getProtected(server, access)

    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toEqual({
      message: 'Hello alice@example.com, you are authenticated!',
    })
  })

  it('greets the user by username on every request, not only the first', async () => {
    const { access } = await login(server, 'named@example.com')
    for (let request = 0; request < 3; request += 1) {
      const response = await getProtected(server, access)
      expect(await response.json()).toEqual({ message: 'Hello captain, you are authenticated!' })
    }
  })

  it('refuses a request without a token', async () => {
    const response = await server.request('/api/protected/')
    await expectError(response, 401, 'not_authenticated')
  })

  it('refuses a token that is not a Bearer token', async () => {
    const response = await server.request('/api/protected/', {
      headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' },
    })
    await expectError(response, 401, 'token_not_valid')
  })

  it('refuses the token of a user deactivated by the CLI while it was in use', async () => {
    const { access } = await login(server, 'leaving@example.com')
    expect((await getProtected(server, access)).status).toBe(200)

    const result = await server.cli(['deactivate', '--email', 'leaving@example.com'])
    expect(result.code).toBe(0)

    await expectError(await statusOnceRefused(access), 401, 'token_not_valid')
  })
})
