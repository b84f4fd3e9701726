import type { Command } from 'commander'

import { withGatehouse } from './users.js'

/** `keys list` and `keys rotate`. */
export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('signing keys')

  keys
    .command('list')
    .description('show the signing keys and which one signs')
    .action(async () => {
      await withGatehouse(async (gatehouse) => {
        const signing = gatehouse.keys.signingKey().kid
        for (const key of gatehouse.keys.listKeys()) {
          const state = key.kid === signing ? 'signing' : key.retiredAt ? 'verifying' : 'idle'
          const retired = key.retiredAt ? new Date(key.retiredAt * 1000).toISOString() : '-'
          process.stdout.write(`${key.kid}\t${key.algorithm}\t${state}\tretired ${retired}\n`)
        }
      })
    })

  keys
    .command('rotate')
    .description('make a new signing key; the old one keeps verifying until its tokens expire')
    .action(async () => {
      await withGatehouse(async (gatehouse) => {
        const record = await gatehouse.keys.rotate()
        process.stdout.write(`new signing key ${record.kid} (${record.algorithm})\n`)
      })
    })
}
