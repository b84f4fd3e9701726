import { defaultLocks, withRefreshLock, type LockManagerLike } from './refresh-lock.js'
import { expiresSoon, serverOffsetMilliseconds } from './server-clock.js'
import { memoryTokenStore, type StoredSession, type TokenStore } from './token-store.js'

export interface ClientOptions {
  /** Where Gatehouse's routes are served: `https://example.com/auth`, or `/auth` in a page. */
  authUrl: string
  /** Resolves relative URLs given to `client.fetch` outside a browser. */
  baseUrl?: string
  /** Where the tokens are kept; in memory by default. */
  store?: TokenStore
  /** The lock manager shared by tabs; `navigator.locks` by default where it exists. */
  locks?: LockManagerLike
  fetch?: typeof fetch
  /** This device's clock, in milliseconds; `Date.now` by default. */
  now?: () => number
}

/** Why a session ended, as the `sessionended` event tells it. */
export type SessionEndReason = 'refresh_refused' | 'logout' | 'ended_elsewhere'

/** Dispatched once when the session ends: the user must log in again. */
export class SessionEndedEvent extends Event {
  constructor(readonly reason: SessionEndReason) {
    super('sessionended')
  }
}

/** A refusal from Gatehouse, with its documented code (`invalid_credentials`, `throttled`...). */
export class GatehouseClientError extends Error {
  override readonly name = 'GatehouseClientError'

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const REFRESH_PATH = '/accounts/api/token/refresh/'

/** How long a tab that waited for another tab's refresh waits for the shared store to show it. */
const STORE_SETTLE_MILLISECONDS = 1000
const STORE_POLL_MILLISECONDS = 10

/**
 * Logs in, keeps the access token fresh and adds it to requests. See `createClient`.
 */
export class GatehouseClient extends EventTarget {
  private readonly authUrl: string
  private readonly store: TokenStore
  private readonly locks: LockManagerLike | undefined
  private readonly fetchFunction: typeof fetch
  private readonly now: () => number
  private refreshing: Promise<string | null> | null = null
  private loggedIn: boolean

  constructor(private readonly options: ClientOptions) {
    super()
    this.authUrl = options.authUrl.replace(/\/+$/, '')
    this.store = options.store ?? memoryTokenStore()
    this.locks = options.locks ?? defaultLocks()
    this.fetchFunction = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.now = options.now ?? (() => Date.now())
    this.loggedIn = this.store.load() !== null
  }

  /** True while the client holds a session's tokens. */
  get isLoggedIn(): boolean {
    return this.store.load() !== null
  }

  /** Logs in with email and password; throws `GatehouseClientError` when refused. */
  async login(email: string, password: string): Promise<void> {
    const response = await this.post('/accounts/api/token/', { email, password })
    await this.keepPair(response)
  }

  /**
   * Ends the session on the server (every session of the user with `all`), then forgets
   * the tokens here, whatever the server answered.
   */
  async logout(options: { all?: boolean } = {}): Promise<void> {
    const access = await this.accessToken().catch(() => null)
    const body = options.all ? { all: true } : undefined
    try {
      if (access) await this.post('/accounts/api/logout/', body, access)
    } finally {
      this.end('logout')
    }
  }

  /** An access token good for a request sent now, refreshed first if needed; null if none. */
  async accessToken(): Promise<string | null> {
    const stored = this.store.load()
    if (!stored) {
      if (this.loggedIn) this.end('ended_elsewhere')
      return null
    }
    // Another tab sharing the store may have logged in since this client started.
    this.loggedIn = true
    const { access, serverOffsetMilliseconds: offset } = stored
    return expiresSoon(access, offset, this.now()) ? this.refresh() : access
  }

  /**
   * `fetch` with the access token in `Authorization: Bearer`. A 401 to a token the server
   * no longer takes leads to one refresh and one retry; a refused refresh ends the session.
   */
  async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(this.resolve(input), init)
    const access = await this.accessToken()
    const response = await this.fetchFunction(withBearer(request.clone(), access))
    if (response.status !== 401 || access === null) return response

    const renewed = await this.refresh(access)
    if (renewed === null) return response
    return this.fetchFunction(withBearer(request, renewed))
  }

  /**
   * Refreshes the pair, with one refresh in flight in this client however many requests
   * wait for it, and one across tabs under the Web Locks API. `rejected` is an access token
   * the server refused: refresh even if it is not near expiry.
   */
  private refresh(rejected?: string): Promise<string | null> {
    const lockName = `gatehouse-refresh ${this.authUrl}`
    this.refreshing ??= withRefreshLock(this.locks, lockName, (afterAnotherHolder) =>
      this.refreshHoldingLock(rejected, afterAnotherHolder),
    ).finally(() => {
      this.refreshing = null
    })
    return this.refreshing
  }

  private async refreshHoldingLock(
    rejected: string | undefined,
    afterAnotherHolder: boolean,
  ): Promise<string | null> {
    // Another tab may have refreshed while this one waited for the lock: adopt its pair.
    // Its write can reach this tab's view of a shared store (localStorage) a little after
    // the lock does, so a pair that still looks stale then is given a moment to change.
    let stored = this.store.load()
    if (stored && afterAnotherHolder && this.isStale(stored, rejected)) {
      stored = await this.storeChangeFrom(stored)
    }
    if (!stored) return null
    if (!this.isStale(stored, rejected)) return stored.access

    let response: Response
    try {
      response = await this.post(REFRESH_PATH, { refresh: stored.refresh })
    } catch (error) {
      if (error instanceof GatehouseClientError && error.status === 401) {
        this.end('refresh_refused')
        return null
      }
      throw error
    }
    return (await this.keepPair(response)).access
  }

  /** Whether `stored` must be refreshed: it was refused (`rejected`) or expires soon. */
  private isStale(stored: StoredSession, rejected: string | undefined): boolean {
    if (rejected !== undefined) return stored.access === rejected
    return expiresSoon(stored.access, stored.serverOffsetMilliseconds, this.now())
  }

  /**
   * The stored pair once it is no longer `stale`, or `stale` itself when nothing changed
   * within `STORE_SETTLE_MILLISECONDS` (the other tab's refresh failed): then this tab
   * refreshes, and the server's reuse grace answers it with the same successor.
   */
  private async storeChangeFrom(stale: StoredSession): Promise<StoredSession | null> {
    for (let waited = 0; waited < STORE_SETTLE_MILLISECONDS; waited += STORE_POLL_MILLISECONDS) {
      await delay(STORE_POLL_MILLISECONDS)
      const stored = this.store.load()
      if (stored === null || stored.access !== stale.access) return stored
    }
    return stale
  }

  private async keepPair(response: Response): Promise<StoredSession> {
    const receivedAt = this.now()
    const pair = (await response.json()) as { access: string; refresh: string }
    const date = response.headers.get('date')
    const session = {
      access: pair.access,
      refresh: pair.refresh,
      serverOffsetMilliseconds: serverOffsetMilliseconds(pair.access, date, receivedAt),
    }
    this.store.save(session)
    this.loggedIn = true
    return session
  }

  private end(reason: SessionEndReason): void {
    this.store.save(null)
    if (!this.loggedIn) return
    this.loggedIn = false
    this.dispatchEvent(new SessionEndedEvent(reason))
  }

  private async post(path: string, body: unknown, access?: string): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (access) headers.authorization = `Bearer ${access}`

    const response = await this.fetchFunction(this.authUrl + path, {
      method: 'POST',
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    if (!response.ok) throw await clientError(response)
    return response
  }

  private resolve(input: RequestInfo | URL): RequestInfo | URL {
    if (typeof input !== 'string' || this.options.baseUrl === undefined) return input
    return new URL(input, this.options.baseUrl)
  }
}

interface ErrorBody {
  code?: unknown
  detail?: unknown
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds))
}

function withBearer(request: Request, access: string | null): Request {
  if (access === null) return request
  const headers = new Headers(request.headers)
  headers.set('authorization', `Bearer ${access}`)
  return new Request(request, { headers })
}

async function clientError(response: Response): Promise<GatehouseClientError> {
  const body = (await response.json().catch(() => null)) as ErrorBody | null
  const code = typeof body?.code === 'string' ? body.code : 'unexpected_response'
  const detail =
    typeof body?.detail === 'string' ? body.detail : `Gatehouse answered ${response.status}.`
  return new GatehouseClientError(response.status, code, detail)
}
