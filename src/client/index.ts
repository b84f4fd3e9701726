/**
 * Gatehouse's client for browsers and Node: logs in, adds the access token to requests,
 * refreshes it before it expires by the server's clock, with one refresh in flight however
 * many requests wait (across tabs under the Web Locks API), and tells when the session ends.
 *
 * @example
 * ```ts
 * import { createClient } from 'gatehouse/client'
 *
 * const client = createClient({ authUrl: '/auth' })
 * client.addEventListener('sessionended', () => showLoginForm())
 * await client.login('ada@example.com', 'a long passphrase')
 * const response = await client.fetch('/api/me')
 * await client.logout()
 * ```
 * @packageDocumentation
 */
import { GatehouseClient, type ClientOptions } from './client.js'

export {
  GatehouseClient,
  GatehouseClientError,
  SessionEndedEvent,
  type ClientOptions,
  type SessionEndReason,
} from './client.js'
export type { LockManagerLike } from './refresh-lock.js'
export {
  localStorageTokenStore,
  memoryTokenStore,
  type StoredSession,
  type TokenStore,
} from './token-store.js'

/** A client for the Gatehouse routes served at `options.authUrl`. */
export function createClient(options: ClientOptions): GatehouseClient {
  return new GatehouseClient(options)
}
