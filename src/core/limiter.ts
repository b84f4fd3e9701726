/**
 * Runs at most `limit` tasks at once; the rest wait in arrival order. Password hashing goes
 * through one of these so a storm of logins queues instead of starving every other request.
 */
export class ConcurrencyLimiter {
  private running = 0
  private readonly waiting: Array<() => void> = []

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    }
    this.running += 1

    try {
      return await task()
    } finally {
      this.running -= 1
      this.waiting.shift()?.()
    }
  }
}
