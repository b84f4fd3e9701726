import { GatehouseError } from '../core/errors.js'

const MAX_EMAIL_LENGTH = 254
// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

/** True when the text holds a character no email address may hold (NUL, CR, LF...). */
export function hasControlCharacters(text: string): boolean {
  return CONTROL_CHARACTERS.test(text)
}

/**
 * The key an email is looked up by: trimmed, NFKC-normalised and case-folded, so that
 * `Alice@Example.COM` and `alice@example.com` are one account.
 */
export function emailKey(email: string): string {
  // Upper then lower case folds more than lower case alone (German sharp s becomes ss).
  return email.trim().normalize('NFKC').toUpperCase().toLowerCase()
}

/** Checks an email given when an account is created; returns it trimmed. */
export function validateNewEmail(email: string): string {
  const trimmed = email.trim()
  const at = trimmed.lastIndexOf('@')
  const wellFormed =
    trimmed.length <= MAX_EMAIL_LENGTH &&
    !hasControlCharacters(trimmed) &&
    !/\s/.test(trimmed) &&
    at > 0 &&
    at < trimmed.length - 1 &&
    !trimmed.slice(at + 1).includes('@')

  if (!wellFormed) throw new GatehouseError('email_invalid', 'Enter a valid email address.')
  return trimmed
}
