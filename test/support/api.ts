import { expect } from 'vitest'

import { decodeSegment, segments, type Json } from './jwt.js'
import type { HttpTarget, RunningServer } from './server.js'

export const PASSWORD = 'correct horse battery staple'

export interface Tokens {
  access: string
  refresh: string
}

/** Creates a user through the CLI, as an operator would. */
export async function createUser(
  server: RunningServer,
  email: string,
  password = PASSWORD,
  extra: string[] = [],
): Promise<void> {
  const result = await server.cli(
    ['createuser', '--email', email, '--password-stdin', ...extra],
    password,
  )
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
}

export function postJson(
  server: HttpTarget,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return server.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

/** Posts a body exactly as given, under any content type. */
export function postRaw(
  server: HttpTarget,
  path: string,
  contentType: string,
  body: string,
): Promise<Response> {
  return server.request(path, { method: 'POST', headers: { 'content-type': contentType }, body })
}

export async function login(
  server: HttpTarget,
  email: string,
  password = PASSWORD,
  headers: Record<string, string> = {},
): Promise<Tokens> {
  const response = await postJson(server, '/accounts/api/token/', { email, password }, headers)
  expect(response.status).toBe(200)
  return (await response.json()) as Tokens
}

export function refresh(server: HttpTarget, token: string): Promise<Response> {
  return postJson(server, '/accounts/api/token/refresh/', { refresh: token })
}

/** Refreshes and expects the new pair. */
export async function refreshOk(server: HttpTarget, token: string): Promise<Tokens> {
  const response = await refresh(server, token)
  expect(response.status).toBe(200)
  return (await response.json()) as Tokens
}

export function getProtected(server: HttpTarget, access: string): Promise<Response> {
  return server.request('/api/protected/', { headers: { authorization: `Bearer ${access}` } })
}

export function bearer(access: string): Record<string, string> {
  return { authorization: `Bearer ${access}` }
}

/** The claims of a JWT, read without verifying it. */
export function claimsOf(token: string): Json {
  return decodeSegment(segments(token)[1])
}

export function headerOf(token: string): Json {
  return decodeSegment(segments(token)[0])
}

/** The documented error body: a detail sentence and a stable code, nothing else. */
export async function expectError(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status)
  const body = (await response.json()) as Record<string, unknown>
  expect(body.code).toBe(code)
  expect(typeof body.detail).toBe('string')
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds))
}

/**
 * Repeats `check` until it returns true or `attempts` run out. For effects that reach the
 * server through its revocation sync (a CLI command is another process).
 */
export async function eventually(check: () => Promise<boolean>, attempts = 50): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if (await check()) return true
    await sleep(100)
  }
  return false
}

/** Retries an operation until it succeeds, for at most 50 tries 100 ms apart. */
export async function eventuallyResolves<T>(operation: () => Promise<T>): Promise<T> {
  let lastError: unknown
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      return await operation()
    } catch (error) {
      lastError = error
      await sleep(100)
    }
  }
  throw lastError
}
