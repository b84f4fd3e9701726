import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

import { stopProcess, waitForReadyLine } from './processes.js'

const LISTENING = /"event":"server.listening","url":"([^"]+)"/

export const CLI_PATH = resolve(import.meta.dirname, '../../dist/cli/main.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunningServer {
  url: string
  /** The server's process id (the primary's, with `serve --workers`). */
  pid: number
  env: Record<string, string>
  /** Every line the server wrote to stdout and stderr, for checking no secret is logged. */
  logs: string[]
  request(path: string, init?: RequestInit): Promise<Response>
  /** Runs `gatehouse <args>` as a process against the same database and settings. */
  cli(args: string[], stdin?: string): Promise<CliResult>
  stop(): Promise<void>
}

/** What the HTTP helpers need of a running app: a Gatehouse server or a host application. */
export type HttpTarget = Pick<RunningServer, 'url' | 'request'>

export interface StartOptions {
  env?: Record<string, string>
  /** Reuse another server's database and settings (several instances, restarts). */
  shareWith?: RunningServer
  /** More arguments after `serve`, such as `--workers 3`. */
  args?: string[]
}

/** Starts `gatehouse serve` as a real process on a free port with its own SQLite file. */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const directory = mkdtempSync(join(tmpdir(), 'gatehouse-test-'))
  const env: Record<string, string> = options.shareWith
    ? { ...options.shareWith.env, ...options.env }
    : {
        GATEHOUSE_DATABASE_URL: `sqlite:${join(directory, 'gatehouse.sqlite3')}`,
        GATEHOUSE_LOG_LEVEL: 'info',
        GATEHOUSE_REVOCATION_SYNC_INTERVAL: '100ms',
        ...options.env,
      }
  const child = spawn(process.execPath, [CLI_PATH, 'serve', ...(options.args ?? [])], {
    env: { PATH: process.env.PATH ?? '', ...env, GATEHOUSE_HOST: '127.0.0.1', GATEHOUSE_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: string[] = []
  const url = await waitForReadyLine(child, LISTENING, logs, 'server')

  return {
    url,
    pid: child.pid as number,
    env,
    logs,
    request: (path, init) => fetch(url + path, { redirect: 'manual', ...init }),
    cli: (args, stdin) => runCli(args, env, stdin),
    stop: async () => {
      await stopProcess(child)
      if (!options.shareWith) rmSync(directory, { recursive: true, force: true })
    },
  }
}

/** Runs the CLI as a process, as a user would. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.stdin.end(stdin ?? '')
    child.on('exit', (code) => resolvePromise({ code, stdout, stderr }))
  })
}
