import { randomBytes } from 'node:crypto'

import { Redis } from 'ioredis'

import { requireServiceUrl, urlVia } from './services.js'

/** A random key prefix in the test Redis, so suites never see each other's keys. */
export interface TestRedis {
  url: string
  prefix: string
  /** The URL of the same Redis reached through another host and port (a proxy). */
  urlVia(host: string, port: number): string
  /** Deletes every key under the prefix and disconnects. */
  cleanUp(): Promise<void>
}

export function createTestRedis(): TestRedis {
  const url = requireServiceUrl('redis')
  const prefix = `gatehouse-test-${randomBytes(6).toString('hex')}:`

  return {
    url,
    prefix,
    urlVia: (host, port) => urlVia(url, host, port),
    cleanUp: async () => {
      const client = new Redis(url)
      try {
        const keys = await client.keys(`${prefix}*`)
        if (keys.length > 0) await client.del(...keys)
      } finally {
        client.disconnect()
      }
    },
  }
}
