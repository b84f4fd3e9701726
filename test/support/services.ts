import { describe } from 'vitest'

/**
 * The external services some suites need. Each is named by an environment variable; when it
 * is unset those suites are skipped, and the run says so. `.ci/run` sets both and checks
 * that every suite marked `[needs ...]` passed.
 */
const SERVICES = {
  postgres: { label: 'PostgreSQL', variable: 'GATEHOUSE_TEST_POSTGRES_URL' },
  redis: { label: 'Redis', variable: 'GATEHOUSE_TEST_REDIS_URL' },
} as const

export type Service = keyof typeof SERVICES

export function serviceUrl(service: Service): string | undefined {
  const value = process.env[SERVICES[service].variable]
  return value === undefined || value === '' ? undefined : value
}

/** The URL of a service a running suite needs; only called inside `describeWithServices`. */
export function requireServiceUrl(service: Service): string {
  const url = serviceUrl(service)
  if (!url) throw new Error(`${SERVICES[service].variable} is not set`)
  return url
}

/**
 * A describe block that runs only when every named service is configured. Its title ends
 * in `[needs PostgreSQL]` (and so on), which the CI check looks for.
 */
export function describeWithServices(services: Service[], name: string, body: () => void): void {
  const labels = services.map((service) => SERVICES[service].label).join(' and ')
  const missing = services.filter((service) => !serviceUrl(service))

  if (missing.length > 0) {
    const variables = missing.map((service) => SERVICES[service].variable).join(' and ')
    console.warn(`skipped "${name}": it needs ${labels}; set ${variables} to run it`)
  }
  describe.skipIf(missing.length > 0)(`${name} [needs ${labels}]`, body)
}

/** A service URL pointed at another host and port (a proxy that can cut the connection). */
export function urlVia(url: string, host: string, port: number): string {
  const parsed = new URL(url)
  parsed.hostname = host
  parsed.port = String(port)
  return parsed.toString()
}
