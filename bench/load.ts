import { readFileSync } from 'node:fs'

import autocannon from 'autocannon'

/** One stream of load: a fixed number of connections, each sending its next request. */
export interface LoadSpec {
  url: string
  connections: number
  seconds: number
  method?: 'GET' | 'POST'
  /** Each connection reconnects (from a new client address) after this many requests. */
  requestsPerConnection?: number
  /** The server's process, to measure its event loop's CPU time per request. */
  serverPid?: number | undefined
  /** Called once per connection, with its index, to give it its own headers or requests. */
  setupConnection?: (client: autocannon.Client, index: number) => void
}

export interface LoadResult {
  /** Answers with a 2xx status, per second of the run. */
  requestsPerSecond: number
  succeeded: number
  /** Non-2xx answers, connection errors and timeouts. */
  failed: number
  /** Latency percentiles of the 2xx answers, in milliseconds (microsecond resolution). */
  p50Milliseconds: number
  p99Milliseconds: number
  /**
   * CPU time of the server's main thread per 2xx answer, in microseconds. Unlike requests
   * per second it hardly moves when other work on the machine takes the cores.
   */
  serverCpuMicroseconds: number | null
}

/**
 * Runs autocannon and measures latency itself: autocannon's own histogram keeps whole
 * milliseconds, too coarse for a p99 near one millisecond.
 */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = []
  const cpuBefore = mainThreadCpuNanoseconds(spec.serverPid)
  let index = 0

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.seconds,
        method: spec.method ?? 'GET',
        ...(spec.requestsPerConnection ? { reconnectRate: spec.requestsPerConnection } : {}),
        setupClient: (client) => spec.setupConnection?.(client, index++),
      },
      (error, result) => {
        if (error) return reject(error)
        const cpuAfter = mainThreadCpuNanoseconds(spec.serverPid)
        const cpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore
        resolve(summarise(result, latencies, cpu))
      },
    )
    instance.on('response', (_client, statusCode, _bytes, milliseconds) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(milliseconds)
    })
  })
}

function summarise(
  result: autocannon.Result,
  latencies: number[],
  cpuNanoseconds: number | null,
): LoadResult {
  const sorted = Float64Array.from(latencies).sort()
  return {
    requestsPerSecond: sorted.length / result.duration,
    succeeded: sorted.length,
    failed: result.non2xx + result.errors + result.timeouts,
    p50Milliseconds: percentile(sorted, 0.5),
    p99Milliseconds: percentile(sorted, 0.99),
    serverCpuMicroseconds:
      cpuNanoseconds === null || sorted.length === 0 ? null : cpuNanoseconds / 1000 / sorted.length,
  }
}

/** Time the process's main thread spent on a CPU (Linux schedstat); null elsewhere. */
function mainThreadCpuNanoseconds(pid: number | undefined): number | null {
  if (pid === undefined) return null
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0])
  } catch {
    return null
  }
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)
  return sorted[Math.max(0, rank)] as number
}
