import type { FastifyReply, FastifyRequest } from 'fastify'

import { nowSeconds } from '../../core/clock.js'
import { GatehouseError } from '../../core/errors.js'
import type { Gatehouse } from '../../gatehouse.js'
import type { WebSessionStart } from '../../sessions/session-service.js'
import type { SessionRecord, UserRecord } from '../../storage/types.js'
import { refuseCrossSite } from '../same-site.js'
import {
  clearCookie,
  cookiePolicy,
  hasCookie,
  readCookie,
  setCookie,
  type CookiePolicy,
} from './cookies.js'
import { CSRF_FIELD, sessionCsrfToken, tokensMatch } from './csrf.js'
import { readForm } from './form.js'

/** What the web routes share: the services and the cookie policy. */
export interface WebContext {
  gatehouse: Gatehouse
  cookies: CookiePolicy
}

/** The web context of a Gatehouse: its cookies are named by GATEHOUSE_SECURE_COOKIES. */
export function webContext(gatehouse: Gatehouse): WebContext {
  return { gatehouse, cookies: cookiePolicy(gatehouse.settings.secureCookies) }
}

/** A request's live web session, as its cookie proves it. */
export interface WebSession {
  user: UserRecord
  session: SessionRecord
  /** The token every unsafe request of this session must carry. */
  csrfToken: string
}

/**
 * The live web session behind the request's cookie, or null. Every call reads the session
 * from storage, so a session ended anywhere (API logout, password change, deactivation) is
 * refused at once.
 */
export async function loadWebSession(
  context: WebContext,
  request: FastifyRequest,
): Promise<WebSession | null> {
  const cookieValue = readCookie(request, context.cookies.sessionName)
  if (cookieValue === null) return null

  const authenticated = await context.gatehouse.sessions.authenticateCookie(cookieValue)
  if (!authenticated) return null

  return { ...authenticated, csrfToken: sessionCsrfToken(cookieValue) }
}

/**
 * The web session of a form post, after the checks every unsafe request gets: same origin
 * (Origin, Sec-Fetch-Site) and the session's CSRF token. Null when there is no session.
 */
export async function loadFormSession(
  context: WebContext,
  request: FastifyRequest,
): Promise<WebSession | null> {
  refuseCrossSite(request)

  const web = await loadWebSession(context, request)
  if (!web) return null

  const form = readForm(request.body, [CSRF_FIELD])
  if (!tokensMatch(web.csrfToken, form[CSRF_FIELD])) throw csrfFailed()
  return web
}

export function csrfFailed(): GatehouseError {
  return new GatehouseError('csrf_failed', 'The form has expired. Reload the page and try again.')
}

/** Hands the browser the cookie of a session just started; it lasts as long as the session. */
export function setSessionCookie(
  context: WebContext,
  reply: FastifyReply,
  started: WebSessionStart,
): void {
  const { cookies, gatehouse } = context
  const lifetimeSeconds = started.session.expiresAt - nowSeconds(gatehouse.clock)
  setCookie(reply, cookies, cookies.sessionName, started.cookieValue, lifetimeSeconds)
}

/** Tells the browser to drop its session cookie, if it sent one. */
export function dropSessionCookie(
  context: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (hasCookie(request, context.cookies.sessionName)) {
    clearCookie(reply, context.cookies, context.cookies.sessionName)
  }
}
