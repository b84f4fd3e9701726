import { expect } from 'vitest'

import { PASSWORD } from './api.js'
import type { HttpTarget, RunningServer } from './server.js'

export const SESSION_COOKIE = 'gatehouse_session'
export const LOGIN_COOKIE = 'gatehouse_csrf'
export const FORM_TYPE = 'application/x-www-form-urlencoded'

/** One `Set-Cookie` line, split into its name, value and attributes. */
export interface SetCookie {
  name: string
  value: string
  attributes: Map<string, string>
}

export function setCookiesOf(response: Response): SetCookie[] {
  return response.headers.getSetCookie().map((line) => {
    const [pair = '', ...rest] = line.split(';').map((part) => part.trim())
    const separator = pair.indexOf('=')
    const attributes = new Map(
      rest.map((attribute) => {
        const [name = '', value = ''] = attribute.split('=')
        return [name.toLowerCase(), value] as [string, string]
      }),
    )
    return { name: pair.slice(0, separator), value: pair.slice(separator + 1), attributes }
  })
}

/** The value of the CSRF token field in a page; fails the test when there is none. */
export function csrfTokenIn(page: string): string {
  const match = /name="csrf_token" value="([^"]+)"/.exec(page)
  expect(match, 'the page has a CSRF token field').not.toBeNull()
  return match![1] as string
}

/** The text of the page's role="alert" region. */
export function alertIn(page: string): string {
  return /role="alert">([^<]*)</.exec(page)?.[1] ?? ''
}

/**
 * A browser in miniature: keeps cookies as a browser would for one origin, and sends the
 * Origin and Sec-Fetch-Site headers a browser sends with a same-origin form post.
 */
export class WebClient {
  readonly cookies = new Map<string, string>()

  constructor(readonly server: HttpTarget) {}

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.send(path, { method: 'GET', headers })
  }

  /** Posts a form as a same-origin page would; `headers` may override what a browser sends. */
  async post(
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    return this.send(path, {
      method: 'POST',
      headers: {
        'content-type': FORM_TYPE,
        origin: this.server.url,
        'sec-fetch-site': 'same-origin',
        ...headers,
      },
      body: new URLSearchParams(fields).toString(),
    })
  }

  async send(path: string, init: RequestInit & { headers?: Record<string, string> }) {
    const cookie = this.cookieHeader()
    const headers = { ...(cookie ? { cookie } : {}), ...init.headers }
    const response = await this.server.request(path, { ...init, headers })
    this.remember(response)
    return response
  }

  /** Opens the login page and answers the form's CSRF token. */
  async openLoginForm(path = '/accounts/login/'): Promise<string> {
    const response = await this.get(path)
    expect(response.status).toBe(200)
    return csrfTokenIn(await response.text())
  }

  /** Logs in through the form; the client then holds the session cookie. */
  async logIn(email: string, password = PASSWORD): Promise<Response> {
    const csrfToken = await this.openLoginForm()
    const response = await this.post('/accounts/login/', { email, password, csrf_token: csrfToken })
    expect(response.status).toBe(303)
    expect(this.cookies.has(SESSION_COOKIE)).toBe(true)
    return response
  }

  /** The profile page's HTML and its CSRF token, which every form of the session carries. */
  async openProfile(): Promise<{ page: string; csrfToken: string }> {
    const response = await this.get('/accounts/profile/')
    expect(response.status).toBe(200)
    const page = await response.text()
    return { page, csrfToken: csrfTokenIn(page) }
  }

  sessionCookie(): string {
    const value = this.cookies.get(SESSION_COOKIE)
    expect(value, 'the client holds a session cookie').toBeDefined()
    return value as string
  }

  private remember(response: Response): void {
    for (const cookie of setCookiesOf(response)) {
      if (cookie.attributes.get('max-age') === '0') this.cookies.delete(cookie.name)
      else this.cookies.set(cookie.name, cookie.value)
    }
  }
}

/** A client already logged in through the form. */
export async function webLogin(server: RunningServer, email: string): Promise<WebClient> {
  const client = new WebClient(server)
  await client.logIn(email)
  return client
}

/** Requests with only this cookie, as a client replaying a stolen or forged value would. */
export function withCookie(
  server: RunningServer,
  path: string,
  cookie: string,
  init: RequestInit & { headers?: Record<string, string> } = {},
): Promise<Response> {
  return server.request(path, { ...init, headers: { ...init.headers, cookie } })
}
