const FALLBACK = new Set(['password', '12345678', '123456789', 'qwertyuiop', 'password1'])

/** True when the password is on the list of commonly used passwords. */
export function isCommonPassword(password: string): boolean {
  return FALLBACK.has(password.toLowerCase())
}
