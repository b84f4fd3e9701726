/** The part of the Web Locks API the client uses (`navigator.locks`). */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { ifAvailable?: boolean },
    callback: (lock: unknown) => Promise<T>,
  ): Promise<T>
}

const NOT_GRANTED = Symbol('not granted')

/**
 * Runs `task` holding the named lock of every tab of the origin when the Web Locks API is
 * there, so that tabs sharing tokens never refresh the same token twice; without it, in
 * this page or process only (the client already keeps one refresh in flight). `task` is
 * told whether another holder had the lock first: that holder has probably just refreshed.
 */
export async function withRefreshLock<T>(
  locks: LockManagerLike | undefined,
  name: string,
  task: (afterAnotherHolder: boolean) => Promise<T>,
): Promise<T> {
  if (!locks) return task(false)

  const atOnce = await locks.request<T | typeof NOT_GRANTED>(name, { ifAvailable: true }, (lock) =>
    lock === null ? Promise.resolve(NOT_GRANTED) : task(false),
  )
  if (atOnce !== NOT_GRANTED) return atOnce as T

  return locks.request(name, {}, () => task(true))
}

/** The browser's lock manager, where there is one. */
export function defaultLocks(): LockManagerLike | undefined {
  const navigatorLike = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator
  return navigatorLike?.locks
}
