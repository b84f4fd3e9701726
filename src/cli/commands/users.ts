import type { Command } from 'commander'

import { createLogger } from '../../server-logger.js'
import { loadSettings } from '../../config/load.js'
import type { Gatehouse } from '../../gatehouse.js'
import { openGatehouse } from '../../runtime.js'
import { obtainPassword } from '../read-password.js'

/** Runs `work` over an opened Gatehouse and closes it, whatever happens. */
export async function withGatehouse(work: (gatehouse: Gatehouse) => Promise<void>): Promise<void> {
  const settings = loadSettings()
  const logger = createLogger({
    logLevel: settings.logLevel === 'info' ? 'warn' : settings.logLevel,
  })
  const gatehouse = await openGatehouse(logger, settings)

  try {
    await work(gatehouse)
  } finally {
    await gatehouse.close()
  }
}

function say(line: string): void {
  process.stdout.write(`${line}\n`)
}

interface CreateUserOptions {
  email: string
  username?: string
  superuser?: boolean
  inactive?: boolean
  passwordStdin?: boolean
}

/**
 * `migrate`, `createuser`, `changepassword`, `activate`, `deactivate`, `deleteuser` and
 * `flush-expired`.
 */
export function registerUserCommands(program: Command): void {
  program
    .command('migrate')
    .description('bring the database schema up to date')
    .action(async () => {
      await withGatehouse(async () => say('migrations applied'))
    })

  program
    .command('createuser')
    .description('add a user; asks for the password unless given on stdin')
    .requiredOption('--email <email>', 'the email the user logs in with')
    .option('--username <name>', 'a display name; the email when not set')
    .option('--superuser', 'make the user a superuser (and staff)')
    .option('--inactive', 'create the user switched off')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (options: CreateUserOptions) => {
      const password = await obtainPassword(options.passwordStdin)
      await withGatehouse(async (gatehouse) => {
        const user = await gatehouse.accounts.createUser({
          email: options.email,
          password,
          username: options.username,
          isSuperuser: options.superuser === true,
          isActive: options.inactive !== true,
        })
        say(`created user ${user.id} <${user.email}>`)
      })
    })

  program
    .command('changepassword')
    .description("set a user's password; ends all of the user's sessions")
    .requiredOption('--email <email>', 'the user')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (options: { email: string; passwordStdin?: boolean }) => {
      const password = await obtainPassword(options.passwordStdin)
      await withGatehouse(async (gatehouse) => {
        await gatehouse.resetPassword(options.email, password)
        say('password changed; all sessions of the user ended')
      })
    })

  for (const [name, active] of [
    ['activate', true],
    ['deactivate', false],
  ] as const) {
    program
      .command(name)
      .description(active ? 'switch a user on' : 'switch a user off and end their sessions')
      .requiredOption('--email <email>', 'the user')
      .action(async (options: { email: string }) => {
        await withGatehouse(async (gatehouse) => {
          await gatehouse.setActive(options.email, active)
          say(active ? 'user activated' : 'user deactivated; all sessions ended')
        })
      })
  }

  program
    .command('deleteuser')
    .description('delete a user after ending their sessions')
    .requiredOption('--email <email>', 'the user')
    .action(async (options: { email: string }) => {
      await withGatehouse(async (gatehouse) => {
        await gatehouse.deleteUser(options.email)
        say('user deleted')
      })
    })

  program
    .command('flush-expired')
    .description('delete expired and ended sessions, idle counters and old keys')
    .action(async () => {
      await withGatehouse(async (gatehouse) => {
        const count = await gatehouse.flushExpired()
        say(`deleted ${count} sessions`)
      })
    })
}
