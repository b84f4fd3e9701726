import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

import { stopProcess, waitForReadyLine } from './processes.js'
import { runCli, type CliResult } from './server.js'

export const FRAMEWORKS = ['express', 'fastify', 'hono'] as const
export type Framework = (typeof FRAMEWORKS)[number]

export interface RunningHostApp {
  url: string
  /** The Gatehouse settings of the app's embedded Gatehouse, for the CLI. */
  env: Record<string, string>
  request(path: string, init?: RequestInit): Promise<Response>
  cli(args: string[], stdin?: string): Promise<CliResult>
  stop(): Promise<void>
}

/**
 * Starts one of the test host applications (test/support/apps): an application of the
 * framework's own that mounts Gatehouse from the built package, as a real process.
 */
export async function startHostApp(
  framework: Framework,
  extraEnv: Record<string, string> = {},
): Promise<RunningHostApp> {
  const directory = mkdtempSync(join(tmpdir(), 'gatehouse-host-'))
  const databaseUrl = `sqlite:${join(directory, 'host.sqlite3')}`
  const script = resolve(import.meta.dirname, 'apps', `${framework}.mjs`)
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', HOST_DATABASE_URL: databaseUrl, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const url = await waitForReadyLine(child, /^listening (http:\/\/\S+)$/, [], 'host app')
  const env = { GATEHOUSE_DATABASE_URL: databaseUrl }

  return {
    url,
    env,
    request: (path, init) => fetch(url + path, { redirect: 'manual', ...init }),
    cli: (args, stdin) => runCli(args, env, stdin),
    stop: async () => {
      await stopProcess(child)
      rmSync(directory, { recursive: true, force: true })
    },
  }
}
