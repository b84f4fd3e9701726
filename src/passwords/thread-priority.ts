import { readlink } from 'node:fs/promises'
import { setPriority } from 'node:os'

/**
 * The lowest CPU priority (Linux nice 19). A thread at it takes every core that is otherwise
 * idle, so logins alone hash at full speed, but yields at once to the event loop. Measured
 * beside a busy Fastify server on two cores, argon2 at nice 0 raised its p99 8-fold and
 * halved its throughput, at nice 10 doubled its p99, and at 19 moved neither.
 */
const LOWEST_PRIORITY = 19
const PROBE_ROUNDS = 10

/**
 * Lowers libuv's worker threads, where @node-rs/argon2 hashes, to the lowest CPU priority,
 * so a storm of logins slows other logins and not every other request. A nice value
 * belongs to one thread on Linux. Each probe is a `readlink` of /proc/thread-self, which
 * runs on whichever worker takes it and names that worker; concurrent probes reach them
 * all (every time in our runs; ten rounds to be sure). Elsewhere nothing changes, and the
 * hasher's limiter still bounds how many hash at once. Resolves with the threads lowered.
 */
export async function lowerThreadPoolPriority(): Promise<number> {
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4
  const threads = new Set<number>()

  try {
    for (let round = 0; round < PROBE_ROUNDS && threads.size < poolSize; round += 1) {
      const probes = Array.from({ length: poolSize * 4 }, () => readlink('/proc/thread-self'))
      for (const link of await Promise.all(probes)) threads.add(Number(link.split('/').pop()))
    }
    threads.delete(process.pid)
    for (const thread of threads) setPriority(thread, LOWEST_PRIORITY)
  } catch {
    // Not Linux, or a kernel without /proc/thread-self: the threads keep their priority.
    return 0
  }
  return threads.size
}
