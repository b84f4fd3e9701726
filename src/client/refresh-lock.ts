/** The part of the Web Locks API the client uses (`navigator.locks`). */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>
}

/**
 * Runs `task` holding the named lock of every tab of the origin when the Web Locks API is
 * there, so that tabs sharing tokens never refresh the same token twice; without it, in
 * this page or process only (the client already keeps one refresh in flight).
 */
export function withRefreshLock<T>(
  locks: LockManagerLike | undefined,
  name: string,
  task: () => Promise<T>,
): Promise<T> {
  if (!locks) return task()
  return locks.request(name, task)
}

/** The browser's lock manager, where there is one. */
export function defaultLocks(): LockManagerLike | undefined {
  const navigatorLike = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator
  return navigatorLike?.locks
}
