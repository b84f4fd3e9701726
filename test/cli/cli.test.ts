import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { runCli } from '../support/server.js'

let directory: string
let env: Record<string, string>

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'))
  env = { GATEHOUSE_DATABASE_URL: `sqlite:${join(directory, 'db.sqlite3')}` }
})

afterAll(() => {
  rmSync(directory, { recursive: true, force: true })
})

describe('gatehouse CLI', () => {
  it('migrates a new database', async () => {
    const result = await runCli(['migrate'], env)
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toContain('migrations applied')
  })

  it('creates a user from a password on stdin', async () => {
    const result = await runCli(
      ['createuser', '--email', 'Root@Example.com', '--superuser', '--password-stdin'],
      env,
      'a long enough passphrase\n',
    )
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout).toMatch(/created user \d+ <Root@Example.com>/)
  })

  it('refuses a second user whose email differs only in case', async () => {
    const result = await runCli(
      ['createuser', '--email', 'root@EXAMPLE.com', '--password-stdin'],
      env,
      'another long passphrase',
    )
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
    expect(result.stderr).toContain('email_taken')
  })

  it('refuses a password the policy refuses, with its code', async () => {
    const result = await runCli(
      ['createuser', '--email', 'new@example.com', '--password-stdin'],
      env,
      'short',
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('password_too_short')
  })

  it('refuses an invalid email', async () => {
    const result = await runCli(
      ['createuser', '--email', 'not an email', '--password-stdin'],
      env,
      'x',
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('email_invalid')
  })

  it('says the password cannot be asked for without a terminal', async () => {
    const result = await runCli(['createuser', '--email', 'tty@example.com'], env)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('--password-stdin')
  })

  it('names an unknown user', async () => {
    const result = await runCli(['deactivate', '--email', 'ghost@example.com'], env)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('user_not_found')
  })

  it('flushes expired sessions', async () => {
    const result = await runCli(['flush-expired'], env)
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/deleted \d+ sessions/)
  })

  it('stops with one line naming a wrong setting', async () => {
    const cases: Array<[string, string]> = [
      ['GATEHOUSE_ACCESS_TOKEN_LIFETIME', 'fifteen minutes'],
      ['GATEHOUSE_PORT', 'eighty'],
      ['GATEHOUSE_JWT_ALGORITHM', 'none'],
      ['GATEHOUSE_DATABASE_URL', 'mysql://localhost/x'],
      ['GATEHOUSE_SIGNING_KEY', 'too-short'],
      ['GATEHOUSE_HOUSEKEEPING_INTERVAL', '30d'],
      ['GATEHOUSE_REVOCATION_SYNC_INTERVAL', '0ms'],
      ['GATEHOUSE_ACCESS_TOKEN_LIFETIME', '0s'],
      ['GATEHOUSE_PORT', '0x1F44'],
      ['GATEHOUSE_PORT', '1e4'],
      ['GATEHOUSE_TRUSTED_PROXIES', '10.0.0.0/99'],
      ['GATEHOUSE_TRUSTED_PROXIES', 'not-an-ip'],
      ['GATEHOUSE_HOST', 'not_a_host'],
    ]
    for (const [name, value] of cases) {
      const result = await runCli(['serve'], { ...env, [name]: value })
      expect(result.code).not.toBe(0)
      const lines = result.stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(name)
    }
  })

  it('exits non-zero on an unknown command', async () => {
    const result = await runCli(['no-such-command'], env)
    expect(result.code).toBe(2)
  })
})
