import { readlink } from 'node:fs/promises'
import { setPriority } from 'node:os'

/**
 * The lowest CPU priority (Linux nice 19). A thread at it takes every core that is otherwise
 * idle, so logins alone hash at full speed, but yields to the event loop. Measured beside a
 * busy Fastify server on two cores, argon2 at nice 0 raised its p99 8-fold and halved its
 * throughput, at nice 10 doubled its p99, and at 19 moved neither.
 */
const LOWEST_PRIORITY = 19
const FIRST_ROUNDS = 10
const LATER_ATTEMPTS = 100

/**
 * Lowers libuv's worker threads, where @node-rs/argon2 hashes, to the lowest CPU priority,
 * so a storm of logins slows other logins and not every other request. A nice value
 * belongs to one thread on Linux. Each probe is a `readlink` of /proc/thread-self, which
 * runs on whichever worker takes it and names that worker; concurrent probes reach them
 * all, almost always in the first round. A worker missed is looked for again before later
 * hashes. Elsewhere than Linux nothing changes, and the hasher's limiter still bounds how
 * many hash at once.
 */
export class ThreadPoolPriority {
  private readonly poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4
  private readonly lowered = new Set<number>()
  private attempts = 0

  /** Looks for workers not yet lowered; does nothing once all are, or after enough tries. */
  async lower(): Promise<void> {
    if (this.lowered.size >= this.poolSize || this.attempts > LATER_ATTEMPTS) return
    const rounds = this.attempts === 0 ? FIRST_ROUNDS : 1
    this.attempts += 1

    try {
      for (let round = 0; round < rounds && this.lowered.size < this.poolSize; round += 1) {
        await this.probeRound()
      }
    } catch {
      // Not Linux, or no /proc/thread-self: the threads keep their priority.
      this.attempts = LATER_ATTEMPTS + 1
    }
  }

  /** How many workers run at the lowest priority so far. */
  get loweredCount(): number {
    return this.lowered.size
  }

  private async probeRound(): Promise<void> {
    const probes = Array.from({ length: this.poolSize * 4 }, () => readlink('/proc/thread-self'))
    for (const link of await Promise.all(probes)) {
      const thread = Number(link.split('/').pop())
      if (this.lowered.has(thread) || thread === process.pid) continue

      setPriority(thread, LOWEST_PRIORITY)
      this.lowered.add(thread)
    }
  }
}
