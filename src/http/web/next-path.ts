// An origin that cannot occur, to resolve a path against and see whether it stays there.
const PROBE_ORIGIN = 'http://gatehouse.invalid'
const MAX_NEXT_LENGTH = 2048

/**
 * The `next` parameter as a same-origin path, or null. Only a path that starts with one `/`
 * is kept: `//host`, `/\host` (which browsers read as `//host`), absolute URLs, and any
 * control character (browsers drop tabs and newlines, turning `/\t/host` into `//host`) are
 * refused. The answer is re-serialized, so it is percent-encoded and safe in a header.
 */
export function safeNextPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > MAX_NEXT_LENGTH) return null
  if (!value.startsWith('/') || value.startsWith('//')) return null
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return null

  let url: URL
  try {
    url = new URL(value, PROBE_ORIGIN)
  } catch {
    return null
  }
  if (url.origin !== PROBE_ORIGIN) return null

  // Dot segments can collapse into `//`: `/.//host` resolves to the path `//host`.
  const path = url.pathname + url.search + url.hash
  return path.startsWith('//') ? null : path
}
