/** What the client keeps between requests: the pair and the server's clock offset. */
export interface StoredSession {
  access: string
  refresh: string
  /** Server time minus local time when the pair was received, in milliseconds. */
  serverOffsetMilliseconds: number
}

/**
 * Where the client keeps its tokens. Tabs that share one store (as with
 * `localStorageTokenStore`) also share refreshes: one tab refreshes, the others adopt.
 */
export interface TokenStore {
  load(): StoredSession | null
  save(session: StoredSession | null): void
}

/** Keeps the tokens in this page or process only: gone on reload, out of other scripts' reach. */
export function memoryTokenStore(): TokenStore {
  let current: StoredSession | null = null
  return {
    load: () => current,
    save: (session) => {
      current = session
    },
  }
}

/**
 * Keeps the tokens in `localStorage`, shared by the site's tabs and kept across reloads.
 * Any script on the page can read them: use it only where no third-party script runs.
 */
export function localStorageTokenStore(key = 'gatehouse.session'): TokenStore {
  return {
    load: () => parseStored(globalThis.localStorage.getItem(key)),
    save: (session) => {
      if (session === null) globalThis.localStorage.removeItem(key)
      else globalThis.localStorage.setItem(key, JSON.stringify(session))
    },
  }
}

function parseStored(text: string | null): StoredSession | null {
  if (text === null) return null
  try {
    const value = JSON.parse(text) as Partial<StoredSession>
    const complete =
      typeof value.access === 'string' &&
      typeof value.refresh === 'string' &&
      typeof value.serverOffsetMilliseconds === 'number'
    return complete ? (value as StoredSession) : null
  } catch {
    return null
  }
}
