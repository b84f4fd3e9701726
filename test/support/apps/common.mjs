// What every test host application shares: its Gatehouse and its verifier from the
// environment the test gives it, and one line announcing where it listens.
import { createGatehouse, createTokenVerifier } from 'gatehouse'

export async function openGatehouse() {
  return createGatehouse({
    databaseUrl: process.env.HOST_DATABASE_URL,
    revocationSyncInterval: '100ms',
    accessTokenLifetime: process.env.HOST_ACCESS_TOKEN_LIFETIME,
    clockTolerance: process.env.HOST_CLOCK_TOLERANCE,
  })
}

export function openVerifier() {
  const redis = process.env.VERIFY_REDIS_URL
    ? { redisUrl: process.env.VERIFY_REDIS_URL, redisKeyPrefix: process.env.VERIFY_REDIS_PREFIX }
    : {}
  if (process.env.VERIFY_JWKS_URL) {
    return createTokenVerifier({ jwksUrl: process.env.VERIFY_JWKS_URL, ...redis })
  }
  if (process.env.VERIFY_SECRET) {
    return createTokenVerifier({ signingKey: process.env.VERIFY_SECRET, ...redis })
  }
  return undefined
}

export function announce(port) {
  process.stdout.write(`listening http://127.0.0.1:${port}\n`)
}

export function stopOnSignal(stop) {
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)))
}
