import type { FastifyInstance } from 'fastify'

import type { Gatehouse } from '../../gatehouse.js'
import { webContext } from '../web/web-session.js'
import { registerStylesheetRoute } from './stylesheet.js'
import { registerWebLoginRoutes } from './web-login.js'
import { registerWebProfileRoutes } from './web-profile.js'

/** The server-rendered pages: login, logout, profile, and their stylesheet. */
export function registerWebRoutes(app: FastifyInstance, gatehouse: Gatehouse): void {
  const context = webContext(gatehouse)

  registerWebLoginRoutes(app, context)
  registerWebProfileRoutes(app, context)
  registerStylesheetRoute(app)
}
