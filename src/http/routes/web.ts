import type { FastifyInstance } from 'fastify'

import type { Gatehouse } from '../../gatehouse.js'
import { cookiePolicy } from '../web/cookies.js'
import { registerStylesheetRoute } from './stylesheet.js'
import { registerWebLoginRoutes } from './web-login.js'
import { registerWebProfileRoutes } from './web-profile.js'

/** The server-rendered pages: login, logout, profile, and their stylesheet. */
export function registerWebRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  const context = { gatehouse, cookies: cookiePolicy(gatehouse.settings.secureCookies) }

  registerWebLoginRoutes(app, context)
  registerWebProfileRoutes(app, context)
  registerStylesheetRoute(app)
}
