import { isIP } from 'node:net'

import { z } from 'zod'

import { parseDurationMilliseconds } from '../core/durations.js'

export const JWT_ALGORITHMS = ['HS256', 'EdDSA', 'ES256', 'RS256'] as const
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number]

// RFC 1123 host names: dot-separated labels of letters, digits and inner hyphens.
const HOST_LABEL = '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${HOST_LABEL}(\\.${HOST_LABEL})*$`)
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

// setInterval holds at most a signed 32-bit count of milliseconds (about 24.8 days).
const MAX_TIMER_MILLISECONDS = 2 ** 31 - 1
const MAX_LIFETIME_MILLISECONDS = 10 * 365 * 86400 * 1000

function duration(
  fallback: string,
  minMilliseconds = 0,
  maxMilliseconds = MAX_LIFETIME_MILLISECONDS,
) {
  return z
    .string()
    .default(fallback)
    .transform((text, context) => {
      const milliseconds = parseDurationMilliseconds(text)
      if (milliseconds === null) {
        context.addIssue({ code: 'custom', message: 'expected a duration such as 90s, 15m or 1d' })
        return z.NEVER
      }
      if (milliseconds < minMilliseconds || milliseconds > maxMilliseconds) {
        const range = `from ${minMilliseconds}ms to ${maxMilliseconds}ms`
        context.addIssue({ code: 'custom', message: `expected a duration ${range}` })
        return z.NEVER
      }
      return milliseconds
    })
}

function seconds(fallback: string, minSeconds = 0) {
  return duration(fallback, minSeconds * 1000).transform((milliseconds) =>
    Math.ceil(milliseconds / 1000),
  )
}

/** A timer's period: at least `minMilliseconds`, and no longer than a timer can hold. */
function interval(fallback: string, minMilliseconds: number) {
  return duration(fallback, minMilliseconds, MAX_TIMER_MILLISECONDS)
}

function integer(fallback: number, min: number, max: number) {
  // Plain decimal digits only: Number() would also take `0x1F44`, `1e4` and padded text.
  return z
    .string()
    .regex(/^\d{1,12}$/, 'expected a whole number')
    .default(String(fallback))
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
}

function boolean(fallback: boolean) {
  return z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((text) => text === 'true' || text === '1' || text === 'yes')
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

function isProxyEntry(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true

  const [address = '', prefix, extra] = entry.split('/')
  const family = isIP(address)
  if (family === 0 || extra !== undefined) return false
  if (prefix === undefined) return true

  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128)
}

function list() {
  return z
    .string()
    .default('')
    .transform((text) =>
      text
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    )
}

/**
 * Every setting, keyed by its environment variable. A config file may set the same names;
 * the environment wins over the file.
 */
export const settingsSchema = z.object({
  GATEHOUSE_HOST: z
    .string()
    .refine(
      (host) => isIP(host) !== 0 || HOSTNAME.test(host),
      'expected an IP address or a host name',
    )
    .default('127.0.0.1'),
  GATEHOUSE_PORT: integer(8000, 0, 65535),
  GATEHOUSE_DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'expected sqlite:<path> or postgres://...')
    .default('sqlite:./data/gatehouse.sqlite3'),
  GATEHOUSE_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'expected redis://...')
    .optional(),
  GATEHOUSE_REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:._-]{1,64}$/, 'expected up to 64 letters, digits or : . _ -')
    .default('gatehouse:'),
  GATEHOUSE_SIGNING_KEY: z
    .string()
    .min(32, 'must be at least 32 characters of random text')
    .optional(),
  GATEHOUSE_JWT_ALGORITHM: z.enum(JWT_ALGORITHMS).default('HS256'),
  GATEHOUSE_ACCESS_TOKEN_LIFETIME: seconds('15m', 1),
  GATEHOUSE_REFRESH_TOKEN_LIFETIME: seconds('1d', 1),
  GATEHOUSE_SESSION_LIFETIME: seconds('14d', 1),
  GATEHOUSE_WEB_SESSION_IDLE_TIMEOUT: seconds('1d', 1),
  GATEHOUSE_ROTATE_REFRESH_TOKENS: boolean(true),
  GATEHOUSE_REFRESH_REUSE_GRACE: seconds('10s'),
  GATEHOUSE_CLOCK_TOLERANCE: seconds('5s'),
  GATEHOUSE_ISSUER: z.string().min(1).optional(),
  GATEHOUSE_AUDIENCE: z.string().min(1).optional(),
  GATEHOUSE_REVOCATION_SYNC_INTERVAL: interval('250ms', 10),
  GATEHOUSE_HOUSEKEEPING_INTERVAL: interval('1h', 1000),
  GATEHOUSE_BODY_LIMIT: integer(16384, 1024, 1048576),
  GATEHOUSE_MAX_TOKEN_LENGTH: integer(4096, 512, 65536),
  GATEHOUSE_PASSWORD_HASH_MEMORY_KIB: integer(19456, 19456, 4194304),
  GATEHOUSE_PASSWORD_HASH_ITERATIONS: integer(2, 2, 100),
  GATEHOUSE_PASSWORD_HASH_PARALLELISM: integer(1, 1, 16),
  GATEHOUSE_PASSWORD_MIN_LENGTH: integer(8, 8, 128),
  GATEHOUSE_PASSWORD_MAX_LENGTH: integer(256, 64, 1024),
  GATEHOUSE_TRUSTED_PROXIES: list().refine(
    (entries) => entries.every(isProxyEntry),
    'expected IP addresses, CIDR ranges or loopback, linklocal, uniquelocal',
  ),
  GATEHOUSE_SECURE_COOKIES: boolean(false),
  GATEHOUSE_LOGIN_FAILURES_PER_ACCOUNT: integer(10, 1, 100000),
  GATEHOUSE_LOGIN_FAILURES_PER_ADDRESS: integer(50, 1, 1000000),
  GATEHOUSE_LOGIN_FAILURES_GLOBAL: integer(10000, 1, 100000000),
  GATEHOUSE_LOGIN_FAILURE_WINDOW: seconds('15m', 1),
  GATEHOUSE_LOGIN_LOCK_BASE: seconds('30s', 1),
  GATEHOUSE_LOGIN_LOCK_MAX: seconds('15m', 1),
  GATEHOUSE_TOKEN_REQUESTS_PER_ADDRESS: integer(600, 1, 100000000),
  GATEHOUSE_TOKEN_REQUEST_WINDOW: seconds('1m', 1),
  GATEHOUSE_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
})

export type SettingsInput = z.input<typeof settingsSchema>
type ParsedSettings = z.output<typeof settingsSchema>

/** Settings after validation, with durations in seconds or milliseconds as named. */
export interface Settings {
  host: string
  port: number
  databaseUrl: string
  redisUrl: string | undefined
  /** Prepended to every Redis key and channel, so deployments can share one Redis. */
  redisKeyPrefix: string
  signingKey: string | undefined
  jwtAlgorithm: JwtAlgorithm
  accessTokenLifetimeSeconds: number
  refreshTokenLifetimeSeconds: number
  sessionLifetimeSeconds: number
  webSessionIdleTimeoutSeconds: number
  rotateRefreshTokens: boolean
  refreshReuseGraceSeconds: number
  clockToleranceSeconds: number
  issuer: string | undefined
  audience: string | undefined
  revocationSyncIntervalMilliseconds: number
  housekeepingIntervalMilliseconds: number
  bodyLimitBytes: number
  maxTokenLength: number
  passwordHash: { memoryKib: number; iterations: number; parallelism: number }
  passwordMinLength: number
  passwordMaxLength: number
  trustedProxies: string[]
  secureCookies: boolean
  loginThrottle: {
    failuresPerAccount: number
    failuresPerAddress: number
    failuresGlobal: number
    windowSeconds: number
    lockBaseSeconds: number
    lockMaxSeconds: number
  }
  tokenRequestsPerAddress: number
  tokenRequestWindowSeconds: number
  logLevel: (typeof LOG_LEVELS)[number]
}

export function toSettings(parsed: ParsedSettings): Settings {
  return {
    host: parsed.GATEHOUSE_HOST,
    port: parsed.GATEHOUSE_PORT,
    databaseUrl: parsed.GATEHOUSE_DATABASE_URL,
    redisUrl: parsed.GATEHOUSE_REDIS_URL,
    redisKeyPrefix: parsed.GATEHOUSE_REDIS_KEY_PREFIX,
    signingKey: parsed.GATEHOUSE_SIGNING_KEY,
    jwtAlgorithm: parsed.GATEHOUSE_JWT_ALGORITHM,
    accessTokenLifetimeSeconds: parsed.GATEHOUSE_ACCESS_TOKEN_LIFETIME,
    refreshTokenLifetimeSeconds: parsed.GATEHOUSE_REFRESH_TOKEN_LIFETIME,
    sessionLifetimeSeconds: parsed.GATEHOUSE_SESSION_LIFETIME,
    webSessionIdleTimeoutSeconds: parsed.GATEHOUSE_WEB_SESSION_IDLE_TIMEOUT,
    rotateRefreshTokens: parsed.GATEHOUSE_ROTATE_REFRESH_TOKENS,
    refreshReuseGraceSeconds: parsed.GATEHOUSE_REFRESH_REUSE_GRACE,
    clockToleranceSeconds: parsed.GATEHOUSE_CLOCK_TOLERANCE,
    issuer: parsed.GATEHOUSE_ISSUER,
    audience: parsed.GATEHOUSE_AUDIENCE,
    revocationSyncIntervalMilliseconds: parsed.GATEHOUSE_REVOCATION_SYNC_INTERVAL,
    housekeepingIntervalMilliseconds: parsed.GATEHOUSE_HOUSEKEEPING_INTERVAL,
    bodyLimitBytes: parsed.GATEHOUSE_BODY_LIMIT,
    maxTokenLength: parsed.GATEHOUSE_MAX_TOKEN_LENGTH,
    passwordHash: {
      memoryKib: parsed.GATEHOUSE_PASSWORD_HASH_MEMORY_KIB,
      iterations: parsed.GATEHOUSE_PASSWORD_HASH_ITERATIONS,
      parallelism: parsed.GATEHOUSE_PASSWORD_HASH_PARALLELISM,
    },
    passwordMinLength: parsed.GATEHOUSE_PASSWORD_MIN_LENGTH,
    passwordMaxLength: parsed.GATEHOUSE_PASSWORD_MAX_LENGTH,
    trustedProxies: parsed.GATEHOUSE_TRUSTED_PROXIES,
    secureCookies: parsed.GATEHOUSE_SECURE_COOKIES,
    loginThrottle: {
      failuresPerAccount: parsed.GATEHOUSE_LOGIN_FAILURES_PER_ACCOUNT,
      failuresPerAddress: parsed.GATEHOUSE_LOGIN_FAILURES_PER_ADDRESS,
      failuresGlobal: parsed.GATEHOUSE_LOGIN_FAILURES_GLOBAL,
      windowSeconds: parsed.GATEHOUSE_LOGIN_FAILURE_WINDOW,
      lockBaseSeconds: parsed.GATEHOUSE_LOGIN_LOCK_BASE,
      lockMaxSeconds: parsed.GATEHOUSE_LOGIN_LOCK_MAX,
    },
    tokenRequestsPerAddress: parsed.GATEHOUSE_TOKEN_REQUESTS_PER_ADDRESS,
    tokenRequestWindowSeconds: parsed.GATEHOUSE_TOKEN_REQUEST_WINDOW,
    logLevel: parsed.GATEHOUSE_LOG_LEVEL,
  }
}
