import type { FastifyReply, FastifyRequest } from 'fastify'

/** The names and attributes of Gatehouse's cookies, fixed by GATEHOUSE_SECURE_COOKIES. */
export interface CookiePolicy {
  secure: boolean
  /** The web session cookie. */
  sessionName: string
  /** The pre-session cookie the login form's CSRF token is bound to. */
  loginCsrfName: string
}

// 32 random bytes in base64url, as `randomId(random, 32)` makes them.
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/

/**
 * The cookie policy for a deployment. Served over HTTPS, the cookies are Secure and take the
 * `__Host-` prefix, with which the browser refuses any such cookie that is not Secure, has a
 * Domain or another Path: a sibling subdomain cannot plant one (cookie tossing).
 */
export function cookiePolicy(secure: boolean): CookiePolicy {
  const prefix = secure ? '__Host-' : ''
  return {
    secure,
    sessionName: `${prefix}gatehouse_session`,
    loginCsrfName: `${prefix}gatehouse_csrf`,
  }
}

/**
 * Reads one of Gatehouse's cookies from the `Cookie` header (RFC 6265 section 5.4). Only
 * values shaped as Gatehouse makes them are returned; anything else reads as no cookie, so
 * garbage never reaches storage.
 */
export function readCookie(request: FastifyRequest, name: string): string | null {
  const header = request.headers.cookie
  if (typeof header !== 'string') return null

  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=')
    if (separator < 0 || pair.slice(0, separator).trim() !== name) continue
    // The first cookie of the name is the one with the longest path (RFC 6265 5.4 step 2).
    const value = pair.slice(separator + 1).trim()
    return COOKIE_VALUE.test(value) ? value : null
  }
  return null
}

/** True when the request carries a cookie of this name, well-formed or not. */
export function hasCookie(request: FastifyRequest, name: string): boolean {
  const header = request.headers.cookie
  if (typeof header !== 'string') return false
  return header.split(';').some((pair) => pair.split('=', 1)[0]?.trim() === name)
}

/**
 * Sets an HttpOnly, SameSite=Lax cookie for the whole site. Without `maxAgeSeconds` it lasts
 * until the browser closes.
 */
export function setCookie(
  reply: FastifyReply,
  policy: CookiePolicy,
  name: string,
  value: string,
  maxAgeSeconds?: number,
): void {
  const attributes = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax']
  if (maxAgeSeconds !== undefined) attributes.push(`Max-Age=${Math.max(0, maxAgeSeconds)}`)
  if (policy.secure) attributes.push('Secure')

  reply.header('Set-Cookie', attributes.join('; '))
  markPrivate(reply)
}

/** Tells the browser to drop a cookie. */
export function clearCookie(reply: FastifyReply, policy: CookiePolicy, name: string): void {
  setCookie(reply, policy, name, '', 0)
}

/**
 * Keeps a response out of shared caches and apart per cookie: it sets or clears a
 * credential, or shows one user's data.
 */
export function markPrivate(reply: FastifyReply): void {
  reply.header('Cache-Control', 'private, no-store')
  reply.header('Vary', 'Cookie')
}
