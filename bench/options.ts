/** What one run of `npm run bench` does, from its command line and environment. */
export interface BenchOptions {
  /** A few seconds end to end, to keep the benchmark working in CI; no thresholds. */
  smoke: boolean
  /** How many times each target is measured; targets alternate within a round. */
  rounds: number
  measureSeconds: number
  warmupSeconds: number
  /** Fixed connection counts, the same for a target and its baseline. */
  connections: { protected: number; login: number; refresh: number }
  /**
   * How many bench users the sessions are spread over: one per login connection, since
   * Gatehouse checks one login at a time per account.
   */
  users: number
  /** Cold starts of Gatehouse on fresh databases, for the time to ready. */
  coldStarts: number
  /** An administrative PostgreSQL URL; the bench makes and drops its own database there. */
  postgresUrl: string | undefined
  /** Start Gatehouse under `--cpu-prof`, writing profiles to .bench/profiles. */
  profile: boolean
  /** Where BENCHMARKS.md and results.json go. */
  reportPath: string | undefined
  resultsPath: string
}

const USAGE = 'usage: npm run bench -- [--smoke] [--profile] [--rounds N] [--seconds N]'

export function parseOptions(args: string[], environment: NodeJS.ProcessEnv): BenchOptions {
  const smoke = args.includes('--smoke')
  const options: BenchOptions = {
    smoke,
    // Many short rounds: this machine's noise changes from one second to the next, and a
    // median of ratios taken seconds apart stands up to it better than a few long runs.
    rounds: smoke ? 1 : 7,
    measureSeconds: smoke ? 1 : 2,
    warmupSeconds: smoke ? 0.5 : 2,
    connections: { protected: 16, login: 8, refresh: 16 },
    users: 8,
    coldStarts: smoke ? 1 : 5,
    postgresUrl: environment.GATEHOUSE_TEST_POSTGRES_URL || undefined,
    profile: args.includes('--profile'),
    // A smoke run must not overwrite the measured report that is committed.
    reportPath: smoke ? undefined : 'BENCHMARKS.md',
    resultsPath: smoke ? '.bench/smoke-results.json' : 'bench/results.json',
  }

  options.rounds = numberAfter(args, '--rounds') ?? options.rounds
  options.measureSeconds = numberAfter(args, '--seconds') ?? options.measureSeconds
  return options
}

function numberAfter(args: string[], flag: string): number | undefined {
  const index = args.indexOf(flag)
  if (index === -1) return undefined

  const value = Number(args[index + 1])
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${flag} needs a positive number\n${USAGE}`)
  }
  return value
}
