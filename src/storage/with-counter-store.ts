import type { CounterStore, Storage } from './types.js'

/** The CounterStore methods; the compiler checks this list against the interface. */
const COUNTER_METHODS: Record<keyof CounterStore, true> = {
  incrementCounter: true,
  readCounter: true,
  blockCounter: true,
  deleteCounter: true,
  deleteCountersIdleSince: true,
}

/**
 * A Storage whose counters live in another store (Redis) and everything else in `storage`.
 * Code that takes a Storage or a CounterStore is unchanged; closing closes both.
 */
export function withCounterStore(
  storage: Storage,
  counters: CounterStore & { close(): Promise<void> },
): Storage {
  const close = async () => {
    await Promise.all([storage.close(), counters.close()])
  }

  return new Proxy(storage, {
    get(target, name, receiver) {
      if (name === 'close') return close
      if (typeof name === 'string' && name in COUNTER_METHODS) {
        const method = counters[name as keyof CounterStore] as (...args: unknown[]) => unknown
        return method.bind(counters)
      }
      return Reflect.get(target, name, receiver)
    },
  })
}
