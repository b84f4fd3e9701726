import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/** argon2id options as @node-rs/argon2 takes them. */
export interface Argon2Options {
  algorithm: number
  memoryCost: number
  timeCost: number
  parallelism: number
}

type Job =
  | { kind: 'hash'; password: string; options: Argon2Options }
  | { kind: 'verify'; hash: string; password: string }

type Answer = { value: string | boolean } | { error: string }

/**
 * The lowest CPU priority (Linux nice 19): a hashing thread takes every core that is
 * otherwise idle, so logins alone run at full speed, but yields at once to the event loop.
 * Measured beside a busy Fastify server on two cores: at nice 0 its p99 rose 8-fold and its
 * throughput halved, at nice 10 its p99 doubled, at 19 neither moved.
 */
const HASHING_NICENESS = 19

// The argon2 memory lives outside V8; a thread needs almost no JavaScript heap.
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 16 }

// CommonJS, evaluated: runs the same whether Gatehouse is loaded built or from source.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { readlinkSync } = require('node:fs')
const { setPriority } = require('node:os')
const { hashSync, verifySync } = require(workerData.argon2Path)

try {
  // On Linux a nice value belongs to one thread, and /proc/thread-self names this one.
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), workerData.niceness)
} catch {}

parentPort.on('message', (job) => {
  try {
    const value = job.kind === 'hash'
      ? hashSync(job.password, job.options)
      : verifySync(job.hash, job.password)
    parentPort.postMessage({ value })
  } catch (error) {
    parentPort.postMessage({ error: error instanceof Error ? error.message : 'argon2 failed' })
  }
})
`

/**
 * argon2id on threads of Gatehouse's own, each at a lower CPU priority than the event
 * loop: a storm of logins then slows other logins, not every other request. Callers bound
 * how many jobs run at once (PasswordHasher's limiter); a thread is made when none is idle.
 */
export class HashingThreads {
  private readonly idle: Worker[] = []
  private closed = false
  private readonly argon2Path = createRequire(import.meta.url).resolve('@node-rs/argon2')

  hash(password: string, options: Argon2Options): Promise<string> {
    return this.run({ kind: 'hash', password, options }) as Promise<string>
  }

  verify(hash: string, password: string): Promise<boolean> {
    return this.run({ kind: 'verify', hash, password }) as Promise<boolean>
  }

  /** Ends the idle threads; a job still running ends its thread when it is done. */
  async close(): Promise<void> {
    this.closed = true
    const threads = this.idle.splice(0)
    await Promise.all(threads.map((thread) => thread.terminate()))
  }

  private async run(job: Job): Promise<string | boolean> {
    const thread = this.idle.pop() ?? this.startThread()
    // A thread with work keeps the process alive (a CLI command waits for its hash).
    thread.ref()

    try {
      const value = await ask(thread, job)
      thread.unref()
      if (this.closed) await thread.terminate()
      else this.idle.push(thread)
      return value
    } catch (error) {
      await thread.terminate()
      throw error
    }
  }

  private startThread(): Worker {
    return new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { argon2Path: this.argon2Path, niceness: HASHING_NICENESS },
      resourceLimits: RESOURCE_LIMITS,
    })
  }
}

function ask(thread: Worker, job: Job): Promise<string | boolean> {
  return new Promise((resolve, reject) => {
    const settle = (answer: Answer) => {
      thread.off('message', settle)
      thread.off('error', fail)
      thread.off('exit', exited)
      if ('error' in answer) reject(new Error(answer.error))
      else resolve(answer.value)
    }
    const fail = (error: Error) => settle({ error: error.message })
    const exited = () => settle({ error: 'the hashing thread stopped' })

    thread.on('message', settle)
    thread.on('error', fail)
    thread.on('exit', exited)
    thread.postMessage(job)
  })
}
