import { readFileSync } from 'node:fs'

/**
 * The published list Gatehouse ships: zxcvbn's 49,233 most common passwords, lower case,
 * with its licence beside it in `data-files/`. The path is the same from `src/` and `dist/`.
 */
const LIST_URL = new URL('../../data-files/common-passwords.txt', import.meta.url)

let commonPasswords: Set<string> | undefined

/**
 * True when the password, compared without regard to case, is on the list of commonly used
 * passwords. The list is read on first use and kept: about 50,000 entries, under 1 MiB.
 */
export function isCommonPassword(password: string): boolean {
  commonPasswords ??= loadList()
  return commonPasswords.has(password.toLowerCase())
}

function loadList(): Set<string> {
  const text = readFileSync(LIST_URL, 'utf8')
  return new Set(text.split('\n').filter((line) => line.length > 0))
}
