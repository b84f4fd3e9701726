import { readFileSync, readdirSync } from 'node:fs'
import { readlink } from 'node:fs/promises'

import { describe, expect, it } from 'vitest'

import { MINIMUM_HASH_PARAMETERS, PasswordHasher } from '../../src/passwords/hasher.js'
import { ThreadPoolPriority } from '../../src/passwords/thread-priority.js'

const hasher = new PasswordHasher(MINIMUM_HASH_PARAMETERS, 2)

/** A thread's nice value (Linux `stat`, field 19). */
function niceValue(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8')
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])
}

function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((thread) => niceValue(`/proc/self/task/${thread}/stat`))
}

describe('password hashing', () => {
  it('verifies the password it hashed and refuses another', async () => {
    const hash = await hasher.hash('correct horse battery staple')

    expect(hash).toMatch(/^\$argon2id\$/)
    expect(await hasher.verify(hash, 'correct horse battery staple')).toEqual({
      matches: true,
      needsRehash: false,
    })
    expect((await hasher.verify(hash, 'wrong horse')).matches).toBe(false)
  })

  it('answers a malformed stored hash as no match, not as an error', async () => {
    expect(await hasher.verify('not a hash', 'anything')).toEqual({
      matches: false,
      needsRehash: false,
    })
  })

  it('hashes as many passwords at once as it is allowed, all correctly', async () => {
    const passwords = ['first password', 'second password', 'third password', 'fourth one']
    const hashes = await Promise.all(passwords.map((password) => hasher.hash(password)))
    const checks = await Promise.all(
      hashes.map((hash, index) => hasher.verify(hash, passwords[index] as string)),
    )
    expect(checks.map((check) => check.matches)).toEqual([true, true, true, true])
  })

  const onLinux = it.runIf(process.platform === 'linux')

  onLinux('hashes at the lowest CPU priority, not the event loop', async () => {
    await hasher.hash('any password')

    expect(threadNiceValues()).toContain(19)
    expect(niceValue(`/proc/self/task/${process.pid}/stat`)).toBe(0)
  })

  onLinux('leaves no thread of the pool that takes work at a higher priority', async () => {
    const priority = new ThreadPoolPriority()
    for (let hash = 0; hash < 5; hash += 1) await priority.lower()

    const probes = Array.from({ length: 64 }, () => readlink('/proc/thread-self'))
    const working = new Set((await Promise.all(probes)).map((link) => link.split('/').pop()))
    const nices = [...working].map((thread) => niceValue(`/proc/self/task/${thread}/stat`))
    expect(priority.loweredCount).toBeGreaterThan(0)
    expect(nices.every((nice) => nice === 19)).toBe(true)
  })
})
