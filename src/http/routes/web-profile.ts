import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

import { GatehouseError, isGatehouseError } from '../../core/errors.js'
import { clientInfo } from '../client-info.js'
import { endpoint } from '../endpoint.js'
import { STATUS_BY_CODE } from '../error-responses.js'
import { readForm } from '../web/form.js'
import { htmlPage, redirect } from '../openapi-schemas.js'
import { handlePageError, redirectTo, sendPage } from '../web/page-response.js'
import { profilePage } from '../web/views/profile-page.js'
import {
  dropSessionCookie,
  loadFormSession,
  loadWebSession,
  setSessionCookie,
  type WebContext,
  type WebSession,
} from '../web/web-session.js'
import { LOGIN_PATH, PROFILE_PATH } from './web-login.js'

// Confirmations a redirect may ask the profile to show. A closed list: the page never
// repeats text from the URL.
const NOTICES = new Map([
  ['password-changed', 'Your password was changed. Every other session has ended.'],
  ['session-ended', 'The session has ended.'],
])

const PASSWORD_FIELDS = ['current_password', 'new_password', 'confirm_password'] as const

/**
 * `GET /accounts/profile/` and its forms: end one session, change the password. Logging
 * out, here or everywhere, is `POST /accounts/logout/`.
 */
export function registerWebProfileRoutes(app: FastifyInstance, context: WebContext): void {
  endpoint(app, PROFILE_PATH, {
    GET: {
      schema: {
        summary: 'The signed-in user, their sessions, and the password form.',
        tags: ['web pages'],
        security: [{ sessionCookie: [] }],
        produces: 'text/html',
        response: { 200: htmlPage, 302: redirect('Not signed in: to the login page.') },
      },
      errorHandler: handlePageError,
      handler: (request, reply) => showProfile(context, request, reply),
    },
  })

  endpoint(app, '/accounts/profile/end-session/', {
    POST: {
      schema: {
        summary: "End one of the user's sessions (form: session, csrf_token).",
        tags: ['web pages'],
        security: [{ sessionCookie: [] }],
        produces: 'text/html',
        response: { 303: redirect('Back to the profile.') },
      },
      errorHandler: handlePageError,
      handler: (request, reply) => endSessionFromPage(context, request, reply),
    },
  })

  endpoint(app, '/accounts/profile/password/', {
    POST: {
      schema: {
        summary: 'Change the password (form); every session ends, this browser signs in anew.',
        tags: ['web pages'],
        security: [{ sessionCookie: [] }],
        produces: 'text/html',
        response: {
          303: redirect('Back to the profile.'),
          400: { ...htmlPage, description: 'The profile again, saying what went wrong.' },
        },
      },
      errorHandler: handlePageError,
      handler: (request, reply) => changePasswordFromPage(context, request, reply),
    },
  })
}

async function showProfile(context: WebContext, request: FastifyRequest, reply: FastifyReply) {
  const web = await loadWebSession(context, request)
  if (!web) return sendToLogin(context, request, reply, 302)

  const notice = NOTICES.get(String((request.query as Record<string, unknown>).notice)) ?? null
  return renderProfile(context, reply, web, 200, { notice, error: null })
}

/** Ends one of the user's sessions; ending this browser's own is a logout. */
async function endSessionFromPage(
  context: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const web = await loadFormSession(context, request)
  if (!web) return sendToLogin(context, request, reply, 303)

  const { session_id: sessionId } = readForm(request.body, ['session_id'])
  if (sessionId === undefined) {
    throw new GatehouseError('invalid_request', 'Choose a session to end.')
  }

  if (sessionId === web.session.id) {
    await context.gatehouse.sessions.endSession(sessionId, 'logout')
    dropSessionCookie(context, request, reply)
    return redirectTo(reply, 303, LOGIN_PATH)
  }

  await context.gatehouse.sessions.endOwnSession(web.user.id, sessionId)
  return redirectTo(reply, 303, `${PROFILE_PATH}?notice=session-ended`)
}

/**
 * Changes the password as the API does: every session of the user ends, this one too, and
 * this browser continues in a new session with a new cookie (and so a new CSRF token).
 */
async function changePasswordFromPage(
  context: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const web = await loadFormSession(context, request)
  if (!web) return sendToLogin(context, request, reply, 303)

  const form = readForm(request.body, PASSWORD_FIELDS)
  const refusal = passwordFormRefusal(form)
  if (refusal) return renderProfile(context, reply, web, 400, { notice: null, error: refusal })

  try {
    const started = await context.gatehouse.changePasswordWeb(
      web.user,
      form.current_password as string,
      form.new_password as string,
      clientInfo(request),
    )
    setSessionCookie(context, reply, started)
    return redirectTo(reply, 303, `${PROFILE_PATH}?notice=password-changed`)
  } catch (error) {
    if (!isGatehouseError(error)) throw error
    const status = STATUS_BY_CODE[error.code]
    return renderProfile(context, reply, web, status, { notice: null, error: error.message })
  }
}

function passwordFormRefusal(form: Partial<Record<string, string>>): string | null {
  if (!form.current_password || !form.new_password) {
    return 'Enter your current password and a new one.'
  }
  if (form.new_password !== form.confirm_password) return 'The two new passwords differ.'
  return null
}

async function renderProfile(
  context: WebContext,
  reply: FastifyReply,
  web: WebSession,
  status: number,
  messages: { notice: string | null; error: string | null },
) {
  const sessions = await context.gatehouse.sessions.listLiveSessions(web.user.id)
  const page = profilePage({
    user: web.user,
    sessions,
    currentSessionId: web.session.id,
    csrfToken: web.csrfToken,
    ...messages,
  })
  return sendPage(reply, status, page)
}

/** No live session: back to the login page, which returns here afterwards. */
function sendToLogin(
  context: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  status: 302 | 303,
) {
  dropSessionCookie(context, request, reply)
  return redirectTo(reply, status, `${LOGIN_PATH}?next=${encodeURIComponent(PROFILE_PATH)}`)
}
