/**
 * How deep objects and arrays nest in a parsed JSON value (a scalar is 0, `{}` is 1).
 * Counting stops once past `limit`, so a hostile value is never walked to its bottom:
 * a result over `limit` means "too deep".
 */
export function nestingDepth(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || typeof value !== 'object' || value === null) return depth

  let deepest = depth + 1
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, nestingDepth(child, limit, depth + 1))
    if (deepest > limit) break
  }
  return deepest
}
