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
        const rows = [['kid', 'algorithm', 'state', 'retired']]
        for (const key of gatehouse.keys.listKeys()) {
          const state = key.kid === signing ? 'signing' : key.retiredAt ? 'verifying' : 'idle'
          const retired = key.retiredAt ? new Date(key.retiredAt * 1000).toISOString() : '-'
          rows.push([key.kid, key.algorithm, state, retired])
        }
        // Tab-separated, so `cut -f` and `awk -F'\t'` read it.
        process.stdout.write(rows.map((row) => `${row.join('\t')}\n`).join(''))
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
