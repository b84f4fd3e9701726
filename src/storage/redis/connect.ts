import { createHash } from 'node:crypto'

import { Redis } from 'ioredis'

import { isSocketError } from '../unavailable.js'

/**
 * Opens a connection to Redis that fails fast: a command waits for at most one reconnection
 * attempt and one second for its answer, so a lost Redis turns into a quick 503 instead of
 * requests piling up. The connection keeps retrying in the background.
 */
export function connectRedis(url: string): Redis {
  const client = new Redis(url, {
    connectTimeout: 2000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    // The fan-out subscribes again itself on every reconnect, so it knows when it is live.
    autoResubscribe: false,
  })
  // Errors reach the caller through the failing command; without a listener ioredis would
  // print them, and the library prints nothing.
  client.on('error', () => {})
  return client
}

// ioredis's own words for a lost connection, then the replies of a Redis that cannot serve.
const LOST_CONNECTION =
  /Connection is closed|Command timed out|Stream isn't writeable|Reached the max retries/
const CANNOT_SERVE = /^(LOADING|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|OOM) /

/** True when Redis could not be reached or cannot serve now; such a request is a 503. */
export function isRedisUnavailable(error: unknown): boolean {
  if (isSocketError(error)) return true
  if (!(error instanceof Error)) return false
  if (error.name === 'MaxRetriesPerRequestError') return true
  return LOST_CONNECTION.test(error.message) || CANNOT_SERVE.test(error.message)
}

/** A Lua script run by its SHA-1, sent whole only when Redis does not know it yet. */
export class LuaScript {
  private readonly sha: string

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex')
  }

  async run(client: Redis, keys: string[], args: Array<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args)
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return client.eval(this.source, keys.length, ...keys, ...args)
    }
  }
}

/** Escapes the glob characters of a key prefix for SCAN's MATCH. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`)
}
