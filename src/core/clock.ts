/** The source of the current time. Tests pass a frozen or stepped one. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMilliseconds(): number
}

export const systemClock: Clock = { nowMilliseconds: () => Date.now() }

export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.nowMilliseconds() / 1000)
}
