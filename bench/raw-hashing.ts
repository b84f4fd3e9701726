/**
 * The baseline for logins: argon2id verifications at Gatehouse's configured parameters,
 * as many at once as there are cores, for a fixed time, with nothing else in the process.
 * A login verifies one stored hash, so a verification is the unit of work measured.
 *
 * Input (environment): BENCH_HASH_PARAMETERS (JSON: memoryKib, iterations, parallelism)
 * and BENCH_SECONDS. Output: one JSON line with the count and the seconds it took.
 */
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'

import { Algorithm, hash, verify } from '@node-rs/argon2'

interface HashParameters {
  memoryKib: number
  iterations: number
  parallelism: number
}

const PASSWORD = 'correct horse battery staple'

const parameters = JSON.parse(process.env.BENCH_HASH_PARAMETERS ?? '') as HashParameters
const seconds = Number(process.env.BENCH_SECONDS)

const storedHash = await hash(PASSWORD, {
  algorithm: Algorithm.Argon2id,
  memoryCost: parameters.memoryKib,
  timeCost: parameters.iterations,
  parallelism: parameters.parallelism,
})

const startedAt = performance.now()
const deadline = startedAt + seconds * 1000
let verified = 0

/** One core's worth: verify, then verify again, until the time is up. */
async function hashUntilDeadline(): Promise<void> {
  while (performance.now() < deadline) {
    if (!(await verify(storedHash, PASSWORD))) throw new Error('argon2id did not verify')
    verified += 1
  }
}

await Promise.all(Array.from({ length: availableParallelism() }, hashUntilDeadline))
const elapsedSeconds = (performance.now() - startedAt) / 1000
console.log(JSON.stringify({ verified, seconds: elapsedSeconds }))
