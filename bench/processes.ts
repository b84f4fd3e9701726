import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'

/** A server the bench started, as a process of its own. */
export interface ServerProcess {
  url: string
  pid: number
  /** From spawning the process to its `server.listening` line. */
  readyMilliseconds: number
  stop(): Promise<void>
}

const LISTENING = /"event":"server.listening","url":"([^"]+)"/
const KEPT_LOG_LINES = 50

/**
 * Spawns `node <args>` and resolves once it logs `server.listening` with its URL. Only
 * the last lines of its output are kept, for the error when it fails to start.
 */
export function startServerProcess(
  args: string[],
  env: Record<string, string>,
): Promise<ServerProcess> {
  const startedAt = performance.now()
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []

  return new Promise((resolve, reject) => {
    const onLine = (line: string) => {
      lines.push(line)
      if (lines.length > KEPT_LOG_LINES) lines.shift()

      const match = LISTENING.exec(line)
      if (!match) return
      resolve({
        url: match[1] as string,
        pid: child.pid as number,
        readyMilliseconds: performance.now() - startedAt,
        stop: () => stopProcess(child),
      })
    }
    createInterface({ input: child.stdout! }).on('line', onLine)
    createInterface({ input: child.stderr! }).on('line', onLine)
    child.once('exit', (code) => {
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${lines.join('\n')}`))
    })
  })
}

/** Runs `node <args>` to its end; rejects on a non-zero exit. Resolves with its stdout. */
export function runProcess(
  args: string[],
  env: Record<string, string>,
  stdin = '',
): Promise<string> {
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  child.stdin.end(stdin)

  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code === 0) resolve(stdout)
      else reject(new Error(`${args.join(' ')} exited with ${code}: ${stderr.trim()}`))
    })
  })
}

/** Ends a process this bench started, by its own handle: SIGTERM, then SIGKILL. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return

  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** The peak resident set size of a process so far (Linux `VmHWM`), in bytes. */
export function peakResidentBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status)
    return match ? Number(match[1]) * 1024 : null
  } catch {
    return null
  }
}
