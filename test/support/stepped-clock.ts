import type { Clock } from '../../src/core/clock.js'

/** A clock that only moves when a test moves it. */
export class SteppedClock implements Clock {
  constructor(private milliseconds = Date.UTC(2026, 0, 1)) {}

  nowMilliseconds(): number {
    return this.milliseconds
  }

  advanceSeconds(seconds: number): void {
    this.milliseconds += seconds * 1000
  }
}
