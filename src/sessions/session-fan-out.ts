/**
 * What a fan-out channel delivers to an instance. The revocation list is the receiver.
 */
export interface FanOutReceiver {
  /** Sessions another instance (or this one) just ended. */
  sessionsEnded(sessionIds: string[], endedAt: number): void
  /** The channel is subscribed: from now on no end published on it is missed. */
  channelLive(): void
  /** The channel dropped: ends published until it is live again may be missed. */
  channelLost(): void
}

/**
 * A channel that tells every instance at once which sessions ended, so a revoked token is
 * refused everywhere in milliseconds instead of at the next sync. It only speeds things up:
 * the periodic sync from storage still catches any message the channel lost.
 */
export interface SessionFanOut {
  /** Sends ended sessions to every instance. Never throws; a lost message is caught up. */
  publish(sessionIds: string[], endedAt: number): void
  /** Starts delivering what every instance publishes. */
  listen(receiver: FanOutReceiver): void
  /** Waits for messages still being sent, then disconnects. */
  close(): Promise<void>
}
