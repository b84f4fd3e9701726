import { createHmac } from 'node:crypto'

/** base64url of a string or bytes, without padding (RFC 7515 section 2). */
export function b64u(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url')
}

/** Signs a JWS with HS256 exactly as given, for tests holding the deployment's secret. */
export function signHs256(
  header: Record<string, unknown> | string,
  payload: Record<string, unknown> | string,
  secret: string | Buffer,
): string {
  const headerText = typeof header === 'string' ? header : JSON.stringify(header)
  const payloadText = typeof payload === 'string' ? payload : JSON.stringify(payload)
  const input = `${b64u(headerText)}.${b64u(payloadText)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}
