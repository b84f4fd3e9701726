import { readFileSync } from 'node:fs'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PASSWORD, bearer, claimsOf, createUser, login, postJson } from '../support/api.js'
import { startServer, type RunningServer } from '../support/server.js'

const TOKEN_PATH = '/accounts/api/token/'
const DATA_FILES = new URL('../../data-files/', import.meta.url)

let server: RunningServer

beforeAll(async () => {
  server = await startServer()
})

afterAll(async () => {
  await server.stop()
})

/** Each refusal of the policy, with its own code. */
const refusals: Array<[string, string, string]> = [
  ['seven characters', 'k7#pQ2w', 'password_too_short'],
  ['seven characters once NFKC-normalised', 'ﬀﬀﬀ', 'password_too_short'],
  ['257 characters', 'x1'.repeat(128) + 'y', 'password_too_long'],
  ['only digits', '73920184612', 'password_entirely_numeric'],
  ['only digits, full-width', '７３９２０１８４６１２', 'password_entirely_numeric'],
  ['only Arabic-Indic digits', '٧٣٩٢٠١٨٤٦١٢', 'password_entirely_numeric'],
  ['the email', 'jonathan.smith@mailbox.org', 'password_too_similar'],
  ['the local part of the email', 'jonathan.smith', 'password_too_similar'],
  ['the local part, slightly changed', 'Jonathan.Smith1', 'password_too_similar'],
  ['a word of the email doubled up', 'jonathanjonathan', 'password_too_similar'],
  ['the domain', 'mailbox.org', 'password_too_similar'],
  ['a common password', 'password1', 'password_too_common'],
  ['a common password in other case', 'PassWord1', 'password_too_common'],
  ['a common password from deep in the list', 'lkjhgfdsazx', 'password_too_common'],
  ['a common password in full-width letters', 'ｑｗｅｒｔｙｕｉｏｐ', 'password_too_common'],
]
const EMAIL = 'jonathan.smith@mailbox.org'

describe('the password policy on the command line', () => {
  for (const [name, password, code] of refusals) {
    it(`createuser refuses ${name} with ${code}`, async () => {
      const result = await server.cli(
        ['createuser', '--email', EMAIL, '--password-stdin'],
        password,
      )
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(new RegExp(`^gatehouse: ${code}: .+\\.\\n$`))
      expect(result.stderr).not.toContain(password)
    })
  }

  it('createuser accepts 8 and 256 characters, and a long passphrase', async () => {
    for (const [index, password] of ['k7#pQ2wz', 'k7#'.repeat(85) + 'z', PASSWORD].entries()) {
      const result = await server.cli(
        ['createuser', '--email', `length-${index}@example.com`, '--password-stdin'],
        password,
      )
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
    }
  })

  it('changepassword applies the same policy and keeps the old password on refusal', async () => {
    await createUser(server, 'changer@example.com')
    // One refusal of each kind: the policy itself is covered case by case above.
    const oneOfEach = new Map(refusals.map(([, password, code]) => [code, password]))
    oneOfEach.delete('password_too_similar')
    for (const [code, password] of oneOfEach) {
      const result = await server.cli(
        ['changepassword', '--email', 'changer@example.com', '--password-stdin'],
        password,
      )
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`gatehouse: ${code}: `)
    }
    const similar = await server.cli(
      ['changepassword', '--email', 'changer@example.com', '--password-stdin'],
      'changer@example',
    )
    expect(similar.stderr).toContain('gatehouse: password_too_similar: ')
    await login(server, 'changer@example.com')
  })
})

describe('the password policy on the password change endpoint', () => {
  it('refuses each bad new password with its code, and the old password still works', async () => {
    await createUser(server, EMAIL)
    const tokens = await login(server, EMAIL)

    for (const [name, password, code] of refusals) {
      const response = await postJson(
        server,
        '/accounts/api/password/',
        { old_password: PASSWORD, new_password: password },
        bearer(tokens.access),
      )
      expect(response.status, name).toBe(400)
      expect(await response.json()).toEqual({ detail: expect.any(String), code })
    }
    await login(server, EMAIL)
  })

  it('refuses a wrong current password before looking at the new one', async () => {
    const tokens = await login(server, EMAIL)
    const response = await postJson(
      server,
      '/accounts/api/password/',
      { old_password: 'not it at all', new_password: 'another fine passphrase' },
      bearer(tokens.access),
    )
    expect(response.status).toBe(400)
    expect(((await response.json()) as { code: string }).code).toBe('invalid_old_password')
  })
})

describe('a configured minimum length', () => {
  let strict: RunningServer

  beforeAll(async () => {
    strict = await startServer({ env: { GATEHOUSE_PASSWORD_MIN_LENGTH: '12' } })
  })

  afterAll(async () => {
    await strict.stop()
  })

  it('refuses eleven characters and says how many are needed', async () => {
    const result = await strict.cli(
      ['createuser', '--email', 'min@example.com', '--password-stdin'],
      'k7#pQ2wzX9!',
    )
    expect(result.stderr).toBe(
      'gatehouse: password_too_short: The password must have at least 12 characters.\n',
    )
  })
})

describe('passwords are never truncated, and are compared after NFKC', () => {
  it('tells apart long passwords that differ only in their last character', async () => {
    const long = 'Lq9!'.repeat(62) + 'abcd'
    await createUser(server, 'long@example.com', long)

    for (const other of [long.slice(0, -1), long.slice(0, 72), `${long.slice(0, -1)}e`]) {
      const response = await postJson(server, TOKEN_PATH, {
        email: 'long@example.com',
        password: other,
      })
      expect(response.status).toBe(401)
    }
    await login(server, 'long@example.com', long)
  })

  it('logs in with the same password typed in full-width or composed differently', async () => {
    await createUser(server, 'nfkc@example.com', 'ｃｏｒｒｅｃｔ ｈｏｒｓｅ ｂａｔｔｅｒｙ')
    await login(server, 'nfkc@example.com', 'correct horse battery')

    await createUser(server, 'accents@example.com', 'cafe\u0301 au lait, s\u2019il vous plait')
    await login(server, 'accents@example.com', 'caf\u00e9 au lait, s\u2019il vous plait')
  })

  it('answers a password far over the limit, or holding NUL, with 401 and not 500', async () => {
    for (const password of ['p'.repeat(12_000), 'pass\u0000word', PASSWORD + '\u0000']) {
      const response = await postJson(server, TOKEN_PATH, { email: 'long@example.com', password })
      expect(response.status).toBe(401)
    }
  })
})

describe('emails fold to one account (B19)', () => {
  it('logs in with any case of the email, as the same user', async () => {
    await createUser(server, 'Mixed.Case@Example.COM')
    const ids = new Set<unknown>()
    for (const email of [
      'mixed.case@example.com',
      'MIXED.CASE@EXAMPLE.COM',
      ' Mixed.Case@Example.COM ',
    ]) {
      ids.add(claimsOf((await login(server, email)).access).user_id)
    }
    expect(ids.size).toBe(1)
  })

  it('refuses a second account whose email folds to the same key', async () => {
    const variants = [
      'mixed.case@example.com',
      'MIXED.CASE@EXAMPLE.COM',
      '  mixed.case@example.com  ',
      'ｍｉｘｅｄ.case@example.com',
    ]
    for (const email of variants) {
      const result = await server.cli(
        ['createuser', '--email', email, '--password-stdin'],
        PASSWORD,
      )
      expect(result.code, email).toBe(1)
      expect(result.stderr).toBe('gatehouse: email_taken: A user with this email already exists.\n')
    }
  })

  it('folds the German sharp s as upper case does', async () => {
    await createUser(server, 'strasse@example.com')
    const result = await server.cli(
      ['createuser', '--email', 'STRAßE@example.com', '--password-stdin'],
      PASSWORD,
    )
    expect(result.stderr).toContain('email_taken')
    await login(server, 'straße@example.com')
  })

  it('refuses control characters in emails: 400 over HTTP, email_invalid on the CLI', async () => {
    const emails = [
      'alice@example.com\u0000',
      'alice@example.com\r\n',
      'ali\u0007ce@example.com',
      'alice\u2028@example.com',
      '\u0085alice@example.com',
    ]
    for (const email of emails) {
      const response = await postJson(server, TOKEN_PATH, { email, password: PASSWORD })
      expect(response.status, JSON.stringify(email)).toBe(400)
      expect(((await response.json()) as { code: string }).code).toBe('invalid_request')
    }
    for (const email of [
      'ali\u0007ce@example.com',
      'alice@exam\tple.com',
      'alice\u2028@example.com',
    ]) {
      const result = await server.cli(
        ['createuser', '--email', email, '--password-stdin'],
        PASSWORD,
      )
      expect(result.stderr).toBe('gatehouse: email_invalid: Enter a valid email address.\n')
    }
  })
})

describe('the common-password list', () => {
  it('ships a published list of at least 10,000 passwords with its licence', () => {
    const list = readFileSync(new URL('common-passwords.txt', DATA_FILES), 'utf8')
      .trim()
      .split('\n')
    const licence = readFileSync(new URL('common-passwords.LICENSE.txt', DATA_FILES), 'utf8')

    expect(new Set(list).size).toBeGreaterThanOrEqual(10_000)
    expect(list.filter((password) => [...password].length >= 8).length).toBeGreaterThanOrEqual(
      10_000,
    )
    expect(licence).toContain('Permission is hereby granted')
    expect(licence).toContain('@zxcvbn-ts/language-common')
  })
})
