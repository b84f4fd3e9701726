import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Only a guard against hangs, never a measure of speed: tests that log in dozens of times
    // (a password hash each) took over a minute on a machine three times oversubscribed.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
})
