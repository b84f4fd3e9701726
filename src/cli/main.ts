#!/usr/bin/env -S node --max-semi-space-size=2
// A young generation of 2 MiB semispaces (V8's default grows to 16) kept the server's resident
// memory within its budget at no measured cost in speed; `npm start` passes the same flag.
import { Command, CommanderError } from 'commander'

import { ConfigError, loadSettings } from '../config/load.js'
import { isGatehouseError } from '../core/errors.js'
import { registerKeyCommands } from './commands/keys.js'
import { registerServeCommand } from './commands/serve.js'
import { registerUserCommands } from './commands/users.js'

/**
 * The `gatehouse` command. Each subcommand is a thin edge over the services; a failure is
 * one line on stderr and a non-zero exit code.
 */
export function buildProgram(): Command {
  const program = new Command('gatehouse')
    .description('Email and password authentication with JWT and cookie sessions')
    // One line per failure, like every other error of the command; `--help` shows usage.
    .configureOutput({
      outputError: (text, write) =>
        write(`gatehouse: usage: ${text.replace(/^error: /, '').trim()}\n`),
    })
    .exitOverride()

  registerServeCommand(program)
  registerUserCommands(program)
  registerKeyCommands(program)
  return program
}

async function main(): Promise<void> {
  try {
    // Validate configuration first, so a wrong value stops every command the same way.
    loadSettings()
    await buildProgram().parseAsync(process.argv)
  } catch (error) {
    process.exitCode = reportFailure(error)
  }
}

function reportFailure(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2
  if (error instanceof ConfigError) {
    process.stderr.write(`gatehouse: configuration error: ${error.message}\n`)
    return 78
  }
  if (isGatehouseError(error)) {
    process.stderr.write(`gatehouse: ${error.code}: ${error.message}\n`)
    return 1
  }

  const message = error instanceof Error ? error.message : String(error)
  process.stderr.write(`gatehouse: ${message.split('\n')[0]}\n`)
  return 1
}

await main()
