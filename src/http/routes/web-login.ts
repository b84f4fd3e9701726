import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

import { GatehouseError, isGatehouseError } from '../../core/errors.js'
import { cryptoRandom, randomId } from '../../core/random.js'
import { clientInfo } from '../client-info.js'
import { endpoint } from '../endpoint.js'
import { retryAfter, STATUS_BY_CODE } from '../error-responses.js'
import { refuseCrossSite } from '../same-site.js'
import { clearCookie, readCookie, setCookie } from '../web/cookies.js'
import { CSRF_FIELD, loginCsrfToken, tokensMatch } from '../web/csrf.js'
import { readForm } from '../web/form.js'
import { safeNextPath } from '../web/next-path.js'
import { htmlPage, redirect } from '../openapi-schemas.js'
import { handlePageError, redirectTo, sendPage } from '../web/page-response.js'
import { loginPage } from '../web/views/login-page.js'
import {
  csrfFailed,
  dropSessionCookie,
  loadFormSession,
  loadWebSession,
  setSessionCookie,
  type WebContext,
} from '../web/web-session.js'

/** The login page; an unauthenticated page request is sent here. */
export const LOGIN_PATH = '/accounts/login/'
/** Where a login goes when `next` is absent or not a same-origin path. */
export const PROFILE_PATH = '/accounts/profile/'

const LOGIN_FIELDS = ['email', 'password', 'next', CSRF_FIELD] as const

// What the login form says for each refusal. One sentence for every credential failure, so
// the page does not tell which emails have accounts.
const LOGIN_MESSAGES: Partial<Record<string, string>> = {
  invalid_credentials: 'The email or password is not correct.',
  invalid_request: 'Enter your email and password.',
  csrf_failed: 'The sign-in form had expired. Please sign in again.',
  cross_site_request: 'Sign in with this site’s own form.',
}

/** `GET, POST /accounts/login/` and `POST /accounts/logout/`: the web session's start and end. */
export function registerWebLoginRoutes(app: FastifyInstance, context: WebContext): void {
  endpoint(app, LOGIN_PATH, {
    GET: {
      schema: {
        summary: 'The login form; an already signed-in browser goes on to `next`.',
        tags: ['web pages'],
        produces: 'text/html',
        response: { 200: htmlPage, 302: redirect('Already signed in: to `next` or the profile.') },
      },
      errorHandler: handlePageError,
      handler: (request, reply) => showLoginForm(context, request, reply),
    },
    POST: {
      schema: {
        summary: 'Sign in (form: email, password, csrf_token, next); sets the session cookie.',
        tags: ['web pages'],
        produces: 'text/html',
        response: {
          200: { ...htmlPage, description: 'The form again, saying what went wrong.' },
          303: redirect('Signed in: to `next` or the profile.'),
        },
      },
      errorHandler: handlePageError,
      handler: (request, reply) => submitLogin(context, request, reply),
    },
  })

  // POST only: a logout a link or an image could trigger is a CSRF-able logout.
  endpoint(app, '/accounts/logout/', {
    POST: {
      schema: {
        summary: 'End the web session (form with csrf_token; `all` ends every session).',
        tags: ['web pages'],
        security: [{ sessionCookie: [] }],
        produces: 'text/html',
        response: { 303: redirect('Signed out: to the login page.') },
      },
      errorHandler: handlePageError,
      handler: (request, reply) => logout(context, request, reply),
    },
  })
}

async function showLoginForm(context: WebContext, request: FastifyRequest, reply: FastifyReply) {
  const next = safeNextPath((request.query as Record<string, unknown>).next)
  if (await loadWebSession(context, request)) return redirectTo(reply, 302, next ?? PROFILE_PATH)

  const csrfToken = loginFormToken(context, request, reply)
  return sendPage(reply, 200, loginPage({ csrfToken, next, email: '', error: null }))
}

/**
 * Checks the form's origin and token, then the credentials, and starts a web session with a
 * new cookie: never one the browser brought (session fixation). The pre-session cookie goes,
 * so its token is worth nothing after login.
 */
async function submitLogin(context: WebContext, request: FastifyRequest, reply: FastifyReply) {
  const form = readForm(request.body, LOGIN_FIELDS)
  const next = safeNextPath(form.next)

  try {
    refuseCrossSite(request)
    checkLoginToken(context, request, form[CSRF_FIELD])
    if (form.email === undefined || form.password === undefined) throw missingCredentials()

    const previous = await loadWebSession(context, request)
    const started = await context.gatehouse.loginWeb(form.email, form.password, clientInfo(request))
    if (previous) await context.gatehouse.sessions.endSession(previous.session.id, 'replaced')

    setSessionCookie(context, reply, started)
    clearCookie(reply, context.cookies, context.cookies.loginCsrfName)
    return redirectTo(reply, 303, next ?? PROFILE_PATH)
  } catch (error) {
    if (!isGatehouseError(error)) throw error
    return answerLoginFailure(context, request, reply, error, { next, email: form.email ?? '' })
  }
}

/** The login form again, with one sentence saying what went wrong and what was typed. */
function answerLoginFailure(
  context: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  error: GatehouseError,
  kept: { next: string | null; email: string },
) {
  // As Django's login view: a wrong password is a form error, not an HTTP authentication
  // challenge (a 401 would need a WWW-Authenticate scheme a form does not have).
  const status = error.code === 'invalid_credentials' ? 200 : STATUS_BY_CODE[error.code]
  if (error.retryAfterSeconds !== undefined) {
    reply.header('Retry-After', retryAfter(error.retryAfterSeconds))
  }

  const message = LOGIN_MESSAGES[error.code] ?? error.message
  const csrfToken = loginFormToken(context, request, reply)
  return sendPage(reply, status, loginPage({ csrfToken, ...kept, error: message }))
}

/** Ends the web session (or, with `all`, every session of the user) and drops the cookie. */
async function logout(context: WebContext, request: FastifyRequest, reply: FastifyReply) {
  const web = await loadFormSession(context, request)

  if (web) {
    const { all } = readForm(request.body, ['all'])
    const { sessions } = context.gatehouse
    if (all === 'true') await sessions.endUserSessions(web.user.id, 'logout_all')
    else await sessions.endSession(web.session.id, 'logout')
  }

  dropSessionCookie(context, request, reply)
  return redirectTo(reply, 303, LOGIN_PATH)
}

/**
 * The login form's CSRF token. The pre-session cookie it is bound to is kept while it lasts,
 * so several open login tabs all work; a new one is set when there is none.
 */
function loginFormToken(context: WebContext, request: FastifyRequest, reply: FastifyReply): string {
  const { cookies } = context
  const existing = readCookie(request, cookies.loginCsrfName)
  const cookieValue = existing ?? randomId(cryptoRandom, 32)
  if (existing === null) setCookie(reply, cookies, cookies.loginCsrfName, cookieValue)

  return loginCsrfToken(cookieValue)
}

function checkLoginToken(context: WebContext, request: FastifyRequest, presented: unknown): void {
  const cookieValue = readCookie(request, context.cookies.loginCsrfName)
  if (cookieValue === null || !tokensMatch(loginCsrfToken(cookieValue), presented)) {
    throw csrfFailed()
  }
}

function missingCredentials(): GatehouseError {
  return new GatehouseError('invalid_request', 'Send an email and a password.')
}
