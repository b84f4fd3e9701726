import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { describe } from 'vitest'

import { openStorage } from '../../src/storage/open.js'
import { describeStorageConformance } from './conformance.js'

describe('SQLite storage', () => {
  describeStorageConformance(async () => {
    const directory = mkdtempSync(join(tmpdir(), 'gatehouse-sqlite-'))
    const url = `sqlite:${join(directory, 'gatehouse.sqlite3')}`
    return {
      open: () => openStorage(url),
      drop: async () => rmSync(directory, { recursive: true, force: true }),
    }
  })
})
