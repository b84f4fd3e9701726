/** The source of the current time. Tests pass a frozen or stepped one. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMilliseconds(): number
}

export const systemClock: Clock = { nowMilliseconds: () => Date.now() }

export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.nowMilliseconds() / 1000)
}

/**
 * Milliseconds on a clock that only moves forward, for real elapsed time: how long since a
 * sync, how long until a key may sign. Unlike `Clock`, which is the time tokens are judged
 * by and which tests freeze or step, it follows the process, and no wall-clock step moves it.
 */
export function monotonicMilliseconds(): number {
  return performance.now()
}
