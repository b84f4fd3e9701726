import type { LoadResult } from './load.js'
import type { HashingResult } from './scenarios.js'

/** Everything measured in one round, targets and baselines side by side in time. */
export interface RoundResult {
  bare: LoadResult
  protected: LoadResult
  rawHashing: HashingResult
  logins: LoadResult
  refreshSqlite: LoadResult
  refreshPostgres: LoadResult | null
  storm: { protected: LoadResult; logins: LoadResult }
}

export interface Summary {
  barePerSecond: number
  protectedPerSecond: number
  /** Protected over bare Fastify, measured in the same round; median over rounds. */
  protectedRatio: number
  /** Main-thread CPU per answer: bare Fastify's over protected's, a steadier cost ratio. */
  protectedCpuRatio: number | null
  bareCpuMicroseconds: number | null
  protectedCpuMicroseconds: number | null
  rawHashesPerSecond: number
  loginsPerSecond: number
  loginRatio: number
  refreshSqlitePerSecond: number
  refreshPostgresPerSecond: number | null
  protectedP99IdleMilliseconds: number
  protectedP99StormMilliseconds: number
  /** Protected p99 during a login storm over protected p99 alone; median over rounds. */
  stormP99Ratio: number
  loginsDuringStormPerSecond: number
  peakResidentMiB: { sqlite: number | null; postgres: number | null }
  readyMilliseconds: { median: number; max: number; samples: number[] }
  failedRequests: number
}

export interface Target {
  name: string
  measured: number | null
  limit: string
  met: boolean
}

export function summarise(
  rounds: RoundResult[],
  peakResidentBytes: { sqlite: number | null; postgres: number | null },
  readySamples: number[],
): Summary {
  const refreshPostgres = rounds.map((round) => round.refreshPostgres?.requestsPerSecond)
  const cpuRatios = rounds.map((round) =>
    divide(round.bare.serverCpuMicroseconds, round.protected.serverCpuMicroseconds),
  )
  return {
    barePerSecond: median(rounds.map((round) => round.bare.requestsPerSecond)),
    protectedPerSecond: median(rounds.map((round) => round.protected.requestsPerSecond)),
    protectedRatio: median(
      rounds.map((round) => round.protected.requestsPerSecond / round.bare.requestsPerSecond),
    ),
    protectedCpuRatio: medianOrNull(cpuRatios),
    bareCpuMicroseconds: medianOrNull(rounds.map((round) => round.bare.serverCpuMicroseconds)),
    protectedCpuMicroseconds: medianOrNull(
      rounds.map((round) => round.protected.serverCpuMicroseconds),
    ),
    rawHashesPerSecond: median(rounds.map((round) => round.rawHashing.perSecond)),
    loginsPerSecond: median(rounds.map((round) => round.logins.requestsPerSecond)),
    loginRatio: median(
      rounds.map((round) => round.logins.requestsPerSecond / round.rawHashing.perSecond),
    ),
    refreshSqlitePerSecond: median(rounds.map((round) => round.refreshSqlite.requestsPerSecond)),
    refreshPostgresPerSecond: refreshPostgres.every(isNumber) ? median(refreshPostgres) : null,
    protectedP99IdleMilliseconds: median(rounds.map((round) => round.protected.p99Milliseconds)),
    protectedP99StormMilliseconds: median(
      rounds.map((round) => round.storm.protected.p99Milliseconds),
    ),
    stormP99Ratio: median(rounds.map(stormP99Ratio)),
    loginsDuringStormPerSecond: median(rounds.map((round) => round.storm.logins.requestsPerSecond)),
    peakResidentMiB: {
      sqlite: toMiB(peakResidentBytes.sqlite),
      postgres: toMiB(peakResidentBytes.postgres),
    },
    readyMilliseconds: {
      median: median(readySamples),
      max: Math.max(...readySamples),
      samples: readySamples,
    },
    failedRequests: rounds.reduce((sum, round) => sum + failedIn(round), 0),
  }
}

/** The targets, each judged on numbers from this one run. */
export function judgeTargets(summary: Summary): Target[] {
  const rss = Math.max(summary.peakResidentMiB.sqlite ?? 0, summary.peakResidentMiB.postgres ?? 0)
  return [
    atLeast('protected requests / bare Fastify', summary.protectedRatio, 0.7),
    atLeast('logins / raw argon2id hashing', summary.loginRatio, 0.9),
    atMost('protected p99 during login storm / idle p99', summary.stormP99Ratio, 3),
    atMost('peak resident memory under load (MiB)', rss, 150),
    atMost('start to ready, slowest cold start (ms)', summary.readyMilliseconds.max, 1000, true),
  ]
}

function atLeast(name: string, measured: number, limit: number): Target {
  return { name, measured, limit: `>= ${limit}`, met: measured >= limit }
}

function atMost(name: string, measured: number, limit: number, strictly = false): Target {
  const met = strictly ? measured < limit : measured <= limit
  return { name, measured, limit: `${strictly ? '<' : '<='} ${limit}`, met }
}

function stormP99Ratio(round: RoundResult): number {
  return round.storm.protected.p99Milliseconds / round.protected.p99Milliseconds
}

function failedIn(round: RoundResult): number {
  const loads = [
    round.bare,
    round.protected,
    round.logins,
    round.refreshSqlite,
    round.storm.protected,
    round.storm.logins,
  ]
  if (round.refreshPostgres) loads.push(round.refreshPostgres)
  return loads.reduce((sum, load) => sum + load.failed, 0)
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  if (sorted.length % 2 === 1) return sorted[middle] as number
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

function medianOrNull(values: Array<number | null>): number | null {
  return values.every((value) => value !== null) ? median(values as number[]) : null
}

function divide(numerator: number | null, denominator: number | null): number | null {
  return numerator === null || denominator === null ? null : numerator / denominator
}

function isNumber(value: number | undefined): value is number {
  return typeof value === 'number'
}

function toMiB(bytes: number | null): number | null {
  return bytes === null ? null : bytes / 1024 / 1024
}
