import { createHmac, timingSafeEqual } from 'node:crypto'

/** The form field, and for scripts the header, that carries a CSRF token. */
export const CSRF_FIELD = 'csrf_token'
export const CSRF_HEADER = 'x-csrf-token'

// Each token is an HMAC keyed with an HttpOnly cookie that no other site can read or, under
// the `__Host-` prefix, write: a page of ours is the only place the token can come from,
// and the token tells nothing about the cookie. A new cookie means a new token.
const SESSION_PURPOSE = 'gatehouse/csrf/session/v1'
const LOGIN_PURPOSE = 'gatehouse/csrf/login/v1'

/** The CSRF token of a web session, bound to its cookie. */
export function sessionCsrfToken(sessionCookie: string): string {
  return createHmac('sha256', sessionCookie).update(SESSION_PURPOSE).digest('base64url')
}

/** The login form's token, bound to the pre-session cookie (a signed double-submit cookie). */
export function loginCsrfToken(loginCookie: string): string {
  return createHmac('sha256', loginCookie).update(LOGIN_PURPOSE).digest('base64url')
}

/** Compares a presented token with the expected one in constant time. */
export function tokensMatch(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false

  const a = Buffer.from(expected)
  const b = Buffer.from(presented)
  return a.length === b.length && timingSafeEqual(a, b)
}
