import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, release, totalmem } from 'node:os'
import { dirname } from 'node:path'

import type { BenchOptions } from './options.js'
import type { RoundResult, Summary, Target } from './summary.js'

export interface Report {
  date: string
  command: string
  /** How the Gatehouse servers were started: `npm start`'s command line. */
  serverCommand: string
  machine: { cpu: string; cores: number; memoryGiB: number; kernel: string }
  node: string
  loadGenerator: string
  hashParameters: { memoryKib: number; iterations: number; parallelism: number }
  options: BenchOptions
  summary: Summary
  targets: Target[]
  rounds: RoundResult[]
}

const START_MARK = '<!-- bench:results:start -->'
const END_MARK = '<!-- bench:results:end -->'

export function describeMachine(): Report['machine'] {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    kernel: `${process.platform} ${release()}`,
  }
}

export function loadGeneratorVersion(): string {
  const require = createRequire(import.meta.url)
  const manifest = require('autocannon/package.json') as { version: string }
  return `autocannon ${manifest.version}`
}

export function writeResults(path: string, report: Report): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`)
}

/**
 * Replaces the measured part of BENCHMARKS.md, between its two marks, and keeps the
 * hand-written notes around it.
 */
export function writeMarkdown(path: string, report: Report): void {
  const block = `${START_MARK}\n${renderResults(report)}\n${END_MARK}`
  const current = existsSync(path) ? readFileSync(path, 'utf8') : `# Benchmarks\n\n${block}\n`
  const start = current.indexOf(START_MARK)
  const end = current.indexOf(END_MARK)
  const next =
    start === -1 || end === -1
      ? `${current.trimEnd()}\n\n${block}\n`
      : current.slice(0, start) + block + current.slice(end + END_MARK.length)
  writeFileSync(path, next)
}

export function renderResults(report: Report): string {
  return [
    renderSetting(report),
    '',
    '| target | measured | limit | met |',
    '| --- | ---: | ---: | --- |',
    ...report.targets.map(renderTarget),
    '',
    renderMeasurements(report.summary),
  ].join('\n')
}

function renderSetting(report: Report): string {
  const { machine, options, hashParameters: hash } = report
  const postgres = options.postgresUrl ? 'SQLite and PostgreSQL' : 'SQLite only'
  const rounds = `${options.rounds} round${options.rounds === 1 ? '' : 's'}`
  return [
    `Measured ${report.date} with \`${report.command}\`.`,
    '',
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ` +
      machine.kernel,
    `- Node ${report.node}; load from ${report.loadGenerator} in the bench process`,
    `- Gatehouse started as \`npm start\` does: \`${report.serverCommand}\`, default settings`,
    `- ${rounds} of ${options.measureSeconds} s per measurement, targets alternating; ` +
      `${postgres}; medians over rounds, ratios taken within each round`,
    `- Connections: protected ${options.connections.protected}, login ` +
      `${options.connections.login}, refresh ${options.connections.refresh}; sessions spread ` +
      `over ${options.users} users`,
    `- argon2id at Gatehouse's configured parameters: ${hash.memoryKib} KiB, ` +
      `${hash.iterations} passes, ${hash.parallelism} lane`,
  ].join('\n')
}

function renderTarget(target: Target): string {
  const measured = target.measured === null ? 'n/a' : formatNumber(target.measured)
  return `| ${target.name} | ${measured} | ${target.limit} | ${target.met ? 'yes' : '**no**'} |`
}

function renderMeasurements(summary: Summary): string {
  const rows: Array<[string, number | null]> = [
    ['bare Fastify, requests/s', summary.barePerSecond],
    ['protected (Bearer, revocation checked), requests/s', summary.protectedPerSecond],
    ['bare Fastify, main-thread CPU per request, µs', summary.bareCpuMicroseconds],
    ['protected, main-thread CPU per request, µs', summary.protectedCpuMicroseconds],
    ['CPU cost ratio, bare / protected (steadier than requests/s)', summary.protectedCpuRatio],
    ['raw argon2id on all cores, hashes/s', summary.rawHashesPerSecond],
    ['logins/s', summary.loginsPerSecond],
    ['rotating refreshes/s, SQLite', summary.refreshSqlitePerSecond],
    ['rotating refreshes/s, PostgreSQL', summary.refreshPostgresPerSecond],
    ['protected p99 alone, ms', summary.protectedP99IdleMilliseconds],
    ['protected p99 during a login storm, ms', summary.protectedP99StormMilliseconds],
    ['logins/s during that storm', summary.loginsDuringStormPerSecond],
    ['peak RSS, SQLite server, MiB', summary.peakResidentMiB.sqlite],
    ['peak RSS, PostgreSQL server, MiB', summary.peakResidentMiB.postgres],
    ['start to ready, median of cold starts, ms', summary.readyMilliseconds.median],
    ['failed requests (non-2xx, errors, timeouts)', summary.failedRequests],
  ]
  return [
    '| measurement (absolute numbers drift between runs) | value |',
    '| --- | ---: |',
    ...rows.map(([name, value]) => `| ${name} | ${value === null ? 'n/a' : formatNumber(value)} |`),
  ].join('\n')
}

function formatNumber(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US')
  return Number.isInteger(value) ? String(value) : value.toFixed(2)
}
