/**
 * Strict reading of a JWS in compact serialization (RFC 7515 section 7.1). Gatehouse only
 * accepts tokens shaped exactly as it issues them, so anything a verifier elsewhere might
 * read differently is refused before a signature is even checked.
 */
import { nestingDepth } from '../core/nesting-depth.js'

const SEGMENT = /^[A-Za-z0-9_-]+$/
const ALLOWED_HEADER_MEMBERS = new Set(['alg', 'typ', 'kid'])
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
// Gatehouse's own claims are flat; an application's may nest a little, never this deep.
const MAX_NESTING_DEPTH = 16

export type CompactHeader = {
  alg: string
  typ: 'JWT'
  kid: string
}

export interface CompactToken {
  header: CompactHeader
  payload: Record<string, unknown>
}

/** Parses a token's header and payload; null when it is not one Gatehouse could issue. */
export function parseCompactToken(token: string, maxLength: number): CompactToken | null {
  if (token.length > maxLength) return null

  const segments = token.split('.')
  if (segments.length !== 3) return null
  const [headerSegment, payloadSegment, signatureSegment] = segments as [string, string, string]

  // Non-canonical base64url (stray bits in the last character) would let many strings
  // stand for one token; accept only the one encoding.
  if (!isCanonicalBase64Url(signatureSegment)) return null

  const header = decodeJsonSegment(headerSegment)
  if (!isIssuableHeader(header)) return null

  const payload = decodeJsonSegment(payloadSegment)
  if (payload === null) return null

  return { header, payload }
}

function isCanonicalBase64Url(segment: string): boolean {
  if (!SEGMENT.test(segment)) return false
  return Buffer.from(segment, 'base64url').toString('base64url') === segment
}

/**
 * Decodes a segment holding a JSON object. The text must be exactly what JSON.stringify
 * writes for the parsed value: duplicate member names, whitespace and escapes other than
 * the necessary ones are refused, because another parser could read them differently.
 */
function decodeJsonSegment(segment: string): Record<string, unknown> | null {
  if (!isCanonicalBase64Url(segment)) return null

  let text: string
  let value: unknown
  try {
    text = strictUtf8.decode(Buffer.from(segment, 'base64url'))
    value = JSON.parse(text)
  } catch {
    return null
  }

  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  if (nestingDepth(value, MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH) return null
  if (JSON.stringify(value) !== text) return null

  return value as Record<string, unknown>
}

/** Only `alg`, `typ: JWT` and `kid`: no `crit`, `b64`, `jku`, `jwk`, `x5u`, `x5c`. */
function isIssuableHeader(header: Record<string, unknown> | null): header is CompactHeader {
  if (header === null) return false

  const members = Object.keys(header)
  return (
    members.length === ALLOWED_HEADER_MEMBERS.size &&
    members.every((member) => ALLOWED_HEADER_MEMBERS.has(member)) &&
    typeof header.alg === 'string' &&
    header.typ === 'JWT' &&
    typeof header.kid === 'string'
  )
}
