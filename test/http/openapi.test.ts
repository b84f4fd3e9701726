import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PASSWORD, createUser, login } from '../support/api.js'
import { startHostApp, type RunningHostApp } from '../support/host-app.js'
import { startServer, type RunningServer } from '../support/server.js'

type Operation = {
  security: unknown[]
  requestBody?: { content: Record<string, unknown> }
  responses: Record<string, { content?: Record<string, { schema: Record<string, any> }> }>
}
type Document = {
  openapi: string
  servers: Array<{ url: string }>
  paths: Record<string, Record<string, Operation>>
  components: Record<string, Record<string, unknown>>
}

let server: RunningServer
let document: Document

beforeAll(async () => {
  server = await startServer()
  await createUser(server, 'ada@example.com')
  document = (await (await server.request('/openapi.json')).json()) as Document
})

afterAll(async () => {
  await server.stop()
})

const OPERATIONS = [
  ['post', '/accounts/api/token/'],
  ['post', '/accounts/api/token/refresh/'],
  ['post', '/accounts/api/token/verify/'],
  ['post', '/accounts/api/token/blacklist/'],
  ['post', '/accounts/api/logout/'],
  ['post', '/accounts/api/password/'],
  ['get', '/accounts/api/sessions/'],
  ['delete', '/accounts/api/sessions/{id}/'],
  ['get', '/api/protected/'],
  ['get', '/.well-known/jwks.json'],
  ['get', '/healthz'],
  ['get', '/readyz'],
] as const

const SECURED = [
  '/accounts/api/logout/',
  '/accounts/api/password/',
  '/accounts/api/sessions/',
  '/api/protected/',
]

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and describes every endpoint of the contract', () => {
    expect(document.openapi).toBe('3.1.0')
    expect(document.servers).toEqual([{ url: '/' }])
    for (const [method, path] of OPERATIONS) expect(document.paths[path]?.[method]).toBeDefined()
  })

  it('gives every operation a success response, and a body schema unless it has none', () => {
    for (const [method, path] of OPERATIONS) {
      const responses = document.paths[path]![method]!.responses
      const success = Object.keys(responses).filter((status) => status.startsWith('2'))
      expect(success.length, `${method} ${path}`).toBe(1)
      if (success[0] !== '204')
        expect(responses[success[0]!]!.content, `${method} ${path}`).toBeDefined()
      expect(responses.default).toBeDefined()
    }
  })

  it('documents every operation it lists, the web pages too, with an answer of its own', () => {
    for (const path of ['/accounts/login/', '/accounts/profile/', '/static/gatehouse.css']) {
      expect(document.paths[path]?.get, path).toBeDefined()
    }
    expect(document.paths['/accounts/login/']!.post!.responses['303']).toBeDefined()
    expect(document.paths['/accounts/profile/']!.get!.responses['401']).toBeUndefined()

    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const own = Object.keys(operation.responses).filter((status) => status !== 'default')
        expect(own.length, `${method} ${path}`).toBeGreaterThan(0)
      }
    }
  })

  it('marks the routes that need a credential, with their 401', () => {
    for (const [method, path] of OPERATIONS) {
      const operation = document.paths[path]![method]!
      const secured = SECURED.some((prefix) => path.startsWith(prefix))
      expect(operation.security.length > 0, `${method} ${path}`).toBe(secured)
      expect('401' in operation.responses, `${method} ${path}`).toBe(secured)
    }
  })

  it('resolves every reference it makes', () => {
    const references = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? []
    for (const reference of references) {
      const [, , section, name] = reference.slice(8, -1).split('/')
      expect(document.components[section!]?.[name!], reference).toBeDefined()
    }
  })

  it('describes the login answer the server actually sends', async () => {
    const schema =
      document.paths['/accounts/api/token/']!.post!.responses['200']!.content!['application/json']!
        .schema
    const tokens = await login(server, 'ada@example.com', PASSWORD)

    expect(Object.keys(tokens).sort()).toEqual([...schema.required].sort())
    expect(Object.keys(document.paths['/accounts/api/token/']!.post!.requestBody!.content)).toEqual(
      ['application/json', 'application/x-www-form-urlencoded'],
    )
  })
})

describe('the documentation page', () => {
  it('renders every path as HTML with no script at all', async () => {
    const response = await server.request('/docs')
    const html = await response.text()

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/html')
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(html).not.toMatch(/<script/i)
    for (const [method, path] of OPERATIONS) {
      expect(html).toContain(
        `<span class="method">${method.toUpperCase()}</span> <code>${path}</code>`,
      )
    }
  })
})

describe('documents served through an adapter', () => {
  let host: RunningHostApp

  beforeAll(async () => {
    host = await startHostApp('express')
  })

  afterAll(async () => {
    await host.stop()
  })

  it('name the mount prefix as the server', async () => {
    const mounted = (await (await host.request('/auth/openapi.json')).json()) as Document
    expect(mounted.servers).toEqual([{ url: '/auth' }])
    expect(await (await host.request('/auth/docs')).text()).toContain(
      '<code>/auth/api/protected/</code>',
    )
  })
})
