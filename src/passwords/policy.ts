import { GatehouseError } from '../core/errors.js'
import { isCommonPassword } from './common-passwords.js'
import { normalizePassword, requireUnicodeText } from './hasher.js'

export interface PasswordPolicySettings {
  minLength: number
  maxLength: number
}

// Django's UserAttributeSimilarityValidator refuses at 0.7; the same bar here.
const MAX_SIMILARITY = 0.7
const MIN_PART_LENGTH = 3

/**
 * Checks a new password wherever one is set (CLI, password change). Each refusal has its
 * own code so a client can say exactly what to change. Length counts Unicode code points
 * after NFKC, the form that is hashed; nothing is ever truncated.
 */
export function checkNewPassword(
  password: string,
  email: string,
  settings: PasswordPolicySettings,
): void {
  requireUnicodeText(password)
  const normalized = normalizePassword(password)
  const length = [...normalized].length

  if (length < settings.minLength) {
    throw new GatehouseError(
      'password_too_short',
      `The password must have at least ${settings.minLength} characters.`,
    )
  }
  if (length > settings.maxLength) {
    throw new GatehouseError(
      'password_too_long',
      `The password must have at most ${settings.maxLength} characters.`,
    )
  }
  if (/^\p{Nd}+$/u.test(normalized)) {
    throw new GatehouseError('password_entirely_numeric', 'The password cannot be only digits.')
  }
  if (isTooSimilarToEmail(normalized, email)) {
    throw new GatehouseError('password_too_similar', 'The password is too similar to the email.')
  }
  if (isCommonPassword(normalized)) {
    throw new GatehouseError('password_too_common', 'The password is too common.')
  }
}

/**
 * True when the password is the email, or a part of it (local part, its words, the domain
 * and its labels) dressed up: contained in the password and making up half of it, or
 * within a few edits of it.
 */
function isTooSimilarToEmail(password: string, email: string): boolean {
  const lowered = password.toLowerCase()
  return emailParts(email).some(
    (part) =>
      (lowered.includes(part) && part.length * 2 >= lowered.length) ||
      similarity(lowered, part) >= MAX_SIMILARITY,
  )
}

function emailParts(email: string): string[] {
  const folded = email.trim().toLowerCase()
  const at = folded.lastIndexOf('@')
  const localPart = at < 0 ? folded : folded.slice(0, at)
  const domain = at < 0 ? '' : folded.slice(at + 1)
  const parts = [
    folded,
    localPart,
    domain,
    ...localPart.split(/[^\p{L}\p{N}]+/u),
    ...domain.split('.'),
  ]
  return [...new Set(parts)].filter((part) => part.length >= MIN_PART_LENGTH)
}

/** 1 for equal texts, 0 for texts with nothing in place; from the edit distance. */
function similarity(a: string, b: string): number {
  const longest = Math.max(a.length, b.length)
  return longest === 0 ? 1 : 1 - editDistance(a, b) / longest
}

/** Levenshtein distance; both texts are short (a password and an email). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)

  for (let i = 1; i <= a.length; i += 1) {
    const current = [i]
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        substitution,
      )
    }
    previous = current
  }
  return previous[b.length] as number
}
