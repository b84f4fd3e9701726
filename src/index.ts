/**
 * Gatehouse: email and password authentication for TypeScript web applications, with JWT
 * access and refresh tokens and cookie sessions behind one session model.
 *
 * This entry names every public export of the core. The framework adapters are
 * `gatehouse/express`, `gatehouse/fastify` and `gatehouse/hono`; the browser and Node
 * client is `gatehouse/client`.
 *
 * @example
 * ```ts
 * import { createGatehouse } from 'gatehouse'
 *
 * const gatehouse = await createGatehouse({ databaseUrl: 'sqlite:./data/auth.sqlite3' })
 * await gatehouse.accounts.createUser({ email: 'ada@example.com', password: 'a long passphrase' })
 * await gatehouse.close()
 * ```
 * @packageDocumentation
 */
export { createGatehouse, type CreateGatehouseOptions } from './create-gatehouse.js'
export { Gatehouse } from './gatehouse.js'
export type { SettingsOptions } from './config/options.js'
export { ConfigError } from './config/load.js'
export type { Settings, JwtAlgorithm } from './config/settings.js'
export { GatehouseError, ERROR_CODES, type ErrorCode } from './core/errors.js'
export type { EventName, EventFields, EventSink } from './core/events.js'
export type { AccessClaimsHook } from './tokens/token-service.js'
export type { TokenClaims } from './tokens/claims.js'
export type { UserRecord, SessionRecord } from './storage/types.js'
export type { TokenPair, ClientInfo } from './sessions/session-service.js'
export type { RequestAuth, AuthUser, AuthSession, AuthFailure } from './adapters/request-auth.js'
export {
  createTokenVerifier,
  TokenVerifier,
  type TokenVerifierOptions,
  type VerifiedToken,
} from './verify/token-verifier.js'
