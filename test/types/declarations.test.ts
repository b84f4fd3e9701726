import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'

import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')

describe('the package type declarations', () => {
  it('type-check an application that uses every entry point', () => {
    const compile = () =>
      execFileSync(
        process.execPath,
        [resolve(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'test/types'],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      )
    expect(compile).not.toThrow()
  })
})
