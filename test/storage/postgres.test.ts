import { openStorage } from '../../src/storage/open.js'
import { createTestDatabase } from '../support/postgres.js'
import { describeWithServices } from '../support/services.js'
import { describeStorageConformance } from './conformance.js'

describeWithServices(['postgres'], 'PostgreSQL storage', () => {
  describeStorageConformance(async () => {
    const database = await createTestDatabase()
    return { open: () => openStorage(database.url), drop: () => database.drop() }
  })
})
