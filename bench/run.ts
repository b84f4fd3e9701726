/**
 * `npm run bench`: Gatehouse measured against this machine's own limits, in one run.
 *
 * Starts Gatehouse (built, default settings) on a fresh SQLite database, and on a private
 * PostgreSQL database when GATEHOUSE_TEST_POSTGRES_URL is set, beside its baselines: a
 * bare Fastify route answering the protected view's JSON, and raw argon2id on all cores.
 * Load alternates between targets over several rounds; every target is a ratio against a
 * baseline measured in the same round. Writes bench/results.json and the measured part of
 * BENCHMARKS.md. `--smoke` runs each step for about a second and writes to .bench/ only.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { loadSettings } from '../src/config/load.js'
import {
  CLI_PATH,
  createUsers,
  protectedBody,
  startNodeOptions,
  startSessions,
  type TokenPair,
} from './fixtures.js'
import type { LoadResult } from './load.js'
import { parseOptions, type BenchOptions } from './options.js'
import { spreadClientAddresses } from './client-addresses.js'
import { createPrivateDatabase } from './postgres.js'
import { peakResidentBytes, startServerProcess, type ServerProcess } from './processes.js'
import {
  describeMachine,
  loadGeneratorVersion,
  renderResults,
  writeMarkdown,
  writeResults,
  type Report,
} from './report.js'
import {
  measureLogins,
  measureProtected,
  measureRawHashing,
  measureRefreshes,
  measureStorm,
  type LoadShape,
} from './scenarios.js'
import { judgeTargets, summarise, type RoundResult } from './summary.js'

interface Targets {
  bare: ServerProcess
  sqlite: ServerProcess
  postgres: ServerProcess | null
  /** One session per protected connection, spread over the bench users. */
  sessions: TokenPair[]
}

type Cleanup = () => Promise<void>

const PROFILE_DIRECTORY = '.bench/profiles'
const SETTLE_MILLISECONDS = 500

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env)
  spreadClientAddresses()
  const workspace = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'))
  const cleanups: Cleanup[] = []

  try {
    const report = await benchmark(options, workspace, cleanups)
    writeResults(options.resultsPath, report)
    if (options.reportPath) writeMarkdown(options.reportPath, report)
    console.log(`\n${renderResults(report)}\n`)

    if (report.summary.failedRequests > 0) {
      console.error(`bench: ${report.summary.failedRequests} requests failed`)
      process.exitCode = 1
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup()
    rmSync(workspace, { recursive: true, force: true })
  }
}

async function benchmark(options: BenchOptions, workspace: string, cleanups: Cleanup[]) {
  const hashParameters = loadSettings(gatehouseEnv('sqlite:unused')).passwordHash
  const readySamples = await measureColdStarts(options, workspace)
  const targets = await startTargets(options, workspace, cleanups)
  readySamples.push(targets.sqlite.readyMilliseconds)

  await warmUp(targets, { ...options, seconds: options.warmupSeconds })

  const shape: LoadShape = { ...options, seconds: options.measureSeconds }
  const rounds: RoundResult[] = []
  for (let round = 1; round <= options.rounds; round += 1) {
    progress(`round ${round} of ${options.rounds}`)
    rounds.push(await runRound(targets, shape, hashParameters))
  }

  const peakResident = {
    sqlite: peakResidentBytes(targets.sqlite.pid),
    postgres: targets.postgres ? peakResidentBytes(targets.postgres.pid) : null,
  }
  const summary = summarise(rounds, peakResident, readySamples)
  return {
    date: new Date().toISOString(),
    command: `npm run bench${options.smoke ? ' -- --smoke' : ''}`,
    serverCommand: ['node', ...startNodeOptions(), CLI_PATH, 'serve'].join(' '),
    machine: describeMachine(),
    node: process.version,
    loadGenerator: loadGeneratorVersion(),
    hashParameters,
    options: { ...options, postgresUrl: options.postgresUrl ? '(set)' : undefined },
    summary,
    targets: judgeTargets(summary),
    rounds,
  } satisfies Report
}

/**
 * Each round measures every target once, right after its baseline: bare Fastify, then
 * protected (alone), then protected during a login storm; raw hashing, then logins.
 */
async function runRound(
  targets: Targets,
  shape: LoadShape,
  hashParameters: Report['hashParameters'],
): Promise<RoundResult> {
  const { bare, sqlite, postgres, sessions } = targets
  const bareLoad = logged('bare Fastify', await measureProtected(bare, sessions, shape))
  const protectedLoad = logged('protected', await measureProtected(sqlite, sessions, shape))
  const storm = await measureStorm(sqlite, sessions, shape)
  logged('protected during login storm', storm.protected)
  logged('logins during that storm', storm.logins)
  await settle()

  const rawHashing = await measureRawHashing(hashParameters, shape.seconds)
  progress(`  raw argon2id: ${rawHashing.perSecond.toFixed(1)}/s`)
  const logins = logged('logins', await measureLogins(sqlite, shape))
  await settle()

  const refreshSqlite = logged('refresh SQLite', await measureRefreshes(sqlite, shape))
  const refreshPostgres = postgres
    ? logged('refresh PostgreSQL', await measureRefreshes(postgres, shape))
    : null

  return {
    bare: bareLoad,
    protected: protectedLoad,
    storm,
    rawHashing,
    logins,
    refreshSqlite,
    refreshPostgres,
  }
}

async function warmUp(targets: Targets, shape: LoadShape): Promise<void> {
  progress('warming up')
  await measureProtected(targets.bare, targets.sessions, shape)
  await measureProtected(targets.sqlite, targets.sessions, shape)
  await measureLogins(targets.sqlite, shape)
  await measureRefreshes(targets.sqlite, shape)
  if (targets.postgres) await measureRefreshes(targets.postgres, shape)
}

async function startTargets(options: BenchOptions, workspace: string, cleanups: Cleanup[]) {
  const sqlite = await startGatehouse(sqliteUrl(workspace, 'main'), options, cleanups)
  const sessions = await startSessions(sqlite.url, options.users, options.connections.protected)
  const body = await protectedBody(sqlite.url, (sessions[0] as TokenPair).access)
  const bare = await startBareFastify(body, cleanups)

  let postgres: ServerProcess | null = null
  if (options.postgresUrl) {
    const database = await createPrivateDatabase(options.postgresUrl)
    cleanups.push(database.drop)
    postgres = await startGatehouse(database.url, options, cleanups)
  }
  return { bare, sqlite, postgres, sessions }
}

async function startGatehouse(
  databaseUrl: string,
  options: BenchOptions,
  cleanups: Cleanup[],
): Promise<ServerProcess> {
  const env = gatehouseEnv(databaseUrl)
  const profile = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIRECTORY}`] : []
  const args = [...startNodeOptions(), ...profile, CLI_PATH, 'serve']
  const server = await startServerProcess(args, env)
  cleanups.push(server.stop)

  await createUsers(env, options.users)
  return server
}

async function startBareFastify(body: string, cleanups: Cleanup[]): Promise<ServerProcess> {
  const env = { PATH: process.env.PATH ?? '', BENCH_PROTECTED_BODY: body }
  const server = await startServerProcess(['.bench/build/bench/bare-server.js'], env)
  cleanups.push(server.stop)
  return server
}

/** Starts and stops Gatehouse on fresh databases, timing spawn to `server.listening`. */
async function measureColdStarts(options: BenchOptions, workspace: string): Promise<number[]> {
  const samples: number[] = []
  for (let start = 0; start < options.coldStarts; start += 1) {
    const env = gatehouseEnv(sqliteUrl(workspace, `cold-${start}`))
    const server = await startServerProcess([...startNodeOptions(), CLI_PATH, 'serve'], env)
    samples.push(server.readyMilliseconds)
    await server.stop()
  }
  progress(`start to ready: ${samples.map((sample) => sample.toFixed(0)).join(', ')} ms`)
  return samples
}

/** Default settings: only where to listen and which database, nothing from this shell. */
function gatehouseEnv(databaseUrl: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    GATEHOUSE_DATABASE_URL: databaseUrl,
    GATEHOUSE_HOST: '127.0.0.1',
    GATEHOUSE_PORT: '0',
  }
}

function sqliteUrl(workspace: string, name: string): string {
  return `sqlite:${join(workspace, `${name}.sqlite3`)}`
}

/**
 * Lets logins still queued when a load stopped finish, so their hashing does not run into
 * the next measurement.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, SETTLE_MILLISECONDS))
}

function logged(name: string, result: LoadResult): LoadResult {
  const rate = result.requestsPerSecond.toFixed(0)
  const p99 = result.p99Milliseconds.toFixed(2)
  const cpu = result.serverCpuMicroseconds?.toFixed(1) ?? '?'
  const failed = result.failed > 0 ? `, ${result.failed} failed` : ''
  progress(`  ${name}: ${rate}/s, p99 ${p99} ms, server ${cpu} µs CPU each${failed}`)
  return result
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`)
}

await main()
