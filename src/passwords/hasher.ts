import { availableParallelism } from 'node:os'

import { Algorithm, hash, parseOptions, verify } from '@node-rs/argon2'

import { GatehouseError } from '../core/errors.js'
import { ConcurrencyLimiter } from '../core/limiter.js'
import { ThreadPoolPriority } from './thread-priority.js'

export interface PasswordHashParameters {
  memoryKib: number
  iterations: number
  parallelism: number
}

/** OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane. */
export const MINIMUM_HASH_PARAMETERS: PasswordHashParameters = {
  memoryKib: 19456,
  iterations: 2,
  parallelism: 1,
}

export interface PasswordVerification {
  matches: boolean
  /** True when the stored hash was made with other parameters than the configured ones. */
  needsRehash: boolean
}

/**
 * argon2id hashing off the event loop, a bounded number at a time, on threads that yield
 * the CPU to the event loop (see ThreadPoolPriority). Passwords are NFKC-normalised
 * first, so the same password typed on two keyboards hashes alike.
 */
export class PasswordHasher {
  private readonly limiter: ConcurrencyLimiter
  private dummyHash: Promise<string> | undefined
  private readonly threadPriority = new ThreadPoolPriority()

  constructor(
    private readonly parameters: PasswordHashParameters,
    concurrency = availableParallelism(),
  ) {
    this.limiter = new ConcurrencyLimiter(Math.max(1, concurrency))
  }

  async hash(password: string): Promise<string> {
    await this.threadPriority.lower()
    return this.limiter.run(() => hash(normalizePassword(password), this.options()))
  }

  async verify(storedHash: string, password: string): Promise<PasswordVerification> {
    await this.threadPriority.lower()
    const matches = await this.limiter.run(() =>
      verify(storedHash, normalizePassword(password)).catch(() => false),
    )
    return { matches, needsRehash: matches && this.needsRehash(storedHash) }
  }

  /**
   * Spends the same work as a real verification against a hash nobody can match. Used when
   * the account does not exist, so the answer time does not tell which emails do.
   */
  async verifyNothing(password: string): Promise<void> {
    this.dummyHash ??= this.hash(`unmatchable ${Math.random()}`)
    await this.verify(await this.dummyHash, password)
  }

  needsRehash(storedHash: string): boolean {
    try {
      const stored = parseOptions(storedHash)
      return (
        stored.algorithm !== Algorithm.Argon2id ||
        stored.memoryCost !== this.parameters.memoryKib ||
        stored.timeCost !== this.parameters.iterations ||
        stored.parallelism !== this.parameters.parallelism
      )
    } catch {
      return true
    }
  }

  private options() {
    return {
      algorithm: Algorithm.Argon2id,
      memoryCost: this.parameters.memoryKib,
      timeCost: this.parameters.iterations,
      parallelism: this.parameters.parallelism,
    }
  }
}

export function normalizePassword(password: string): string {
  return password.normalize('NFKC')
}

// Half of a UTF-16 pair on its own: not text, and hashed as U+FFFD it would equal others.
const LONE_SURROGATE = /\p{Surrogate}/u

/** Refuses a password that is not Unicode text, wherever one is checked or set. */
export function requireUnicodeText(password: string): void {
  if (LONE_SURROGATE.test(password)) {
    throw new GatehouseError('invalid_request', 'The password is not valid Unicode text.')
  }
}
