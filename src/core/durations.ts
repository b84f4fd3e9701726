const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 }

/**
 * Parses a duration such as `90s`, `15m`, `1d` or `250ms` into milliseconds.
 * Returns null when the text is not one.
 */
export function parseDurationMilliseconds(text: string): number | null {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim())
  if (!match) return null

  const amount = Number(match[1])
  const unit = match[2] as string
  if (unit === 'ms') return amount

  return amount * (UNIT_SECONDS[unit] as number) * 1000
}
