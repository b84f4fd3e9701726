/**
 * Runs tasks one at a time per key, in arrival order. Password attempts on one account, or
 * from one address, go through it so that a hundred guesses sent at once are checked one
 * after another against the counters, instead of all passing the check before any failure
 * is counted. Keys with nothing waiting are forgotten.
 */
export class AttemptQueue {
  private readonly tails = new Map<string, Promise<void>>()

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    let release = () => {}
    const done = new Promise<void>((resolve) => {
      release = resolve
    })
    const tail = previous.then(() => done)
    this.tails.set(key, tail)

    await previous
    try {
      return await task()
    } finally {
      release()
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
  }
}
