import type { RunningServer } from './server.js'

/**
 * The server's log lines once they stop arriving. Lines cross a pipe from another process,
 * so the last ones may still be in flight when a response is already in hand.
 */
export async function settledLogs(
  server: RunningServer,
  quietMilliseconds = 300,
  maxMilliseconds = 5_000,
): Promise<string[]> {
  const startedAt = Date.now()
  let count = -1

  while (count !== server.logs.length && Date.now() - startedAt < maxMilliseconds) {
    count = server.logs.length
    await new Promise((resolve) => setTimeout(resolve, quietMilliseconds))
  }
  return server.logs
}

/** The log lines of one server, or of several together, that record `event`. */
export function eventLines(servers: RunningServer | RunningServer[], event: string): string[] {
  const lines = [servers].flat().flatMap((server) => server.logs)
  return lines.filter((line) => line.includes(`"event":"${event}"`))
}
