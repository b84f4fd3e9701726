/**
 * The fixed set of events the services report. The library itself logs nothing: the server
 * and the CLI pass a sink that writes these as structured log lines. Fields never hold a
 * password, token, key or cookie value.
 */
export type EventName =
  | 'login.succeeded'
  | 'login.failed'
  | 'login.throttled'
  | 'login.locked'
  | 'requests.throttled'
  | 'refresh.refused'
  | 'refresh.reuse_detected'
  | 'session.ended'
  | 'password.changed'
  | 'password.rehashed'
  | 'user.created'
  | 'user.deactivated'
  | 'user.activated'
  | 'user.deleted'
  | 'sessions.flushed'
  | 'revocation.sync_failed'
  | 'revocation.sync_recovered'
  | 'revocation.fanout_live'
  | 'revocation.fanout_lost'
  | 'revocation.publish_failed'

export type EventFields = Record<string, string | number | boolean | null | undefined>

export type EventSink = (name: EventName, fields: EventFields) => void

export const silentEvents: EventSink = () => {}

/**
 * What an event may say about an error: its code (`ECONNREFUSED`, `57P01`) or else its class
 * name, never its message, which can quote a URL with a password or a query's values.
 */
export function errorName(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') return code
  return error instanceof Error ? error.name : 'unknown'
}
