import { pino, type Logger } from 'pino'

import type { Settings } from './config/settings.js'
import type { EventName, EventSink } from './core/events.js'

const WARNING_EVENTS = new Set<EventName>([
  'refresh.reuse_detected',
  'revocation.sync_failed',
  'revocation.fanout_lost',
  'revocation.publish_failed',
])

/**
 * The server's and CLI's structured logger. Values that could hold a secret are redacted
 * by path as a second line of defence; events never carry them in the first place.
 */
export function createLogger(settings: Pick<Settings, 'logLevel'>): Logger {
  return pino({
    level: settings.logLevel,
    base: { service: 'gatehouse' },
    redact: {
      paths: [
        'password',
        '*.password',
        'token',
        '*.token',
        'refresh',
        '*.refresh',
        'access',
        '*.access',
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
  })
}

/** Writes each service event as one structured line, named by `event`. */
export function loggingEvents(logger: Logger): EventSink {
  return (name, fields) => {
    const level = WARNING_EVENTS.has(name) ? 'warn' : 'info'
    logger[level]({ event: name, ...fields })
  }
}
