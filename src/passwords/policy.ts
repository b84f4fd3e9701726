import { GatehouseError } from '../core/errors.js'
import { isCommonPassword } from './common-passwords.js'
import { normalizePassword } from './hasher.js'

export interface PasswordPolicySettings {
  minLength: number
  maxLength: number
}

/**
 * Checks a new password. Each refusal has its own code so a client can say exactly what to
 * change. Length counts Unicode code points after NFKC, the form that is hashed.
 */
export function checkNewPassword(
  password: string,
  email: string,
  settings: PasswordPolicySettings,
): void {
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
  if (/^\d+$/.test(normalized)) {
    throw new GatehouseError('password_entirely_numeric', 'The password cannot be only digits.')
  }
  if (isTooSimilarToEmail(normalized, email)) {
    throw new GatehouseError('password_too_similar', 'The password is too similar to the email.')
  }
  if (isCommonPassword(normalized)) {
    throw new GatehouseError('password_too_common', 'The password is too common.')
  }
}

function isTooSimilarToEmail(password: string, email: string): boolean {
  const lowered = password.toLowerCase()
  const [localPart = '', domain = ''] = email.toLowerCase().split('@')
  const parts = [email.toLowerCase(), localPart, ...domain.split('.')].filter((part) => part.length >= 3)

  return parts.some((part) => lowered === part || (lowered.includes(part) && part.length * 2 >= lowered.length))
}
