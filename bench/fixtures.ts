import { readFileSync } from 'node:fs'

import { runProcess } from './processes.js'

export const CLI_PATH = 'dist/cli/main.js'

/**
 * The Node options `npm start` runs the server with (package.json `scripts.start`), so the
 * bench measures Gatehouse exactly as it is started.
 */
export function startNodeOptions(): string[] {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as Manifest
  const words = manifest.scripts.start.split(/\s+/)
  const cli = words.indexOf(CLI_PATH)
  if (words[0] !== 'node' || cli === -1) {
    throw new Error(`scripts.start is not \`node ... ${CLI_PATH} serve\``)
  }
  return words.slice(1, cli)
}
export const PASSWORD = 'correct horse battery staple'

interface Manifest {
  scripts: { start: string }
}

export interface TokenPair {
  access: string
  refresh: string
}

export function benchEmail(index: number): string {
  return `bench-${index}@example.com`
}

/** Creates the bench users through the CLI, as an operator would, a few at a time. */
export async function createUsers(env: Record<string, string>, count: number): Promise<void> {
  const create = (index: number) => {
    const args = [CLI_PATH, 'createuser', '--email', benchEmail(index), '--password-stdin']
    return runProcess(args, env, PASSWORD)
  }
  for (let first = 0; first < count; first += 2) {
    await Promise.all([first, first + 1].filter((index) => index < count).map(create))
  }
}

/** The JSON body of a login, as the login load sends it. */
export function loginBody(index: number): string {
  return JSON.stringify({ email: benchEmail(index), password: PASSWORD })
}

/** Logs in `count` times, spread over the users: one session (and token pair) each. */
export async function startSessions(url: string, users: number, count: number) {
  const pairs: TokenPair[] = []
  for (let index = 0; index < count; index += 1) pairs.push(await login(url, index % users))
  return pairs
}

async function login(url: string, userIndex: number): Promise<TokenPair> {
  const response = await fetch(`${url}/accounts/api/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: loginBody(userIndex),
  })
  if (response.status !== 200) throw new Error(`bench login answered ${response.status}`)
  return (await response.json()) as TokenPair
}

/** What the protected view answers; the bare Fastify baseline answers the same. */
export async function protectedBody(url: string, access: string): Promise<string> {
  const response = await fetch(`${url}/api/protected/`, {
    headers: { authorization: `Bearer ${access}` },
  })
  if (response.status !== 200) throw new Error(`protected view answered ${response.status}`)
  return response.text()
}
