// Drives the example over HTTP exactly as docs/add-to-existing-app.md tells: create a user
// with the package's command line, start the application, log in, call a protected route,
// refresh, log out; then the same with the client from gatehouse/client.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, test } from 'node:test'

import { createClient } from 'gatehouse/client'

const EMAIL = 'ada@example.com'
const PASSWORD = 'correct horse battery staple'

let directory
let app
let baseUrl

before(async () => {
  directory = mkdtempSync(join(tmpdir(), 'gatehouse-example-'))
  const databaseUrl = `sqlite:${join(directory, 'auth.sqlite3')}`

  const created = await run(
    'npx',
    ['--no', 'gatehouse', 'createuser', '--email', EMAIL, '--password-stdin'],
    { GATEHOUSE_DATABASE_URL: databaseUrl },
    PASSWORD,
  )
  assert.equal(created, 0)

  app = spawn(process.execPath, ['server.js'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  baseUrl = await listeningUrl(app)
})

after(async () => {
  const exited = new Promise((resolve) => app.once('exit', resolve))
  app.kill('SIGTERM')
  await exited
  rmSync(directory, { recursive: true, force: true })
})

function post(path, body, headers = {}) {
  return fetch(baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
}

async function login() {
  const response = await post('/auth/accounts/api/token/', { email: EMAIL, password: PASSWORD })
  assert.equal(response.status, 200)
  return response.json()
}

test('the application own public route answers as before', async () => {
  const response = await fetch(`${baseUrl}/notes`)
  assert.equal(response.status, 200)
  assert.deepEqual(await response.json(), { notes: [] })
})

test('a protected route refuses a request without a token', async () => {
  const response = await post('/notes', { text: 'hello' })

  assert.equal(response.status, 401)
  assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="api"')
  assert.deepEqual(await response.json(), {
    detail: 'Authentication credentials were not provided.',
    code: 'not_authenticated',
  })
})

test('log in, call a protected route, refresh, call it again', async () => {
  const { access, refresh } = await login()

  const created = await post('/notes', { text: 'hello' }, { authorization: `Bearer ${access}` })
  assert.equal(created.status, 201)
  assert.deepEqual(await created.json(), { text: 'hello', author: EMAIL })

  const refreshed = await post('/auth/accounts/api/token/refresh/', { refresh })
  assert.equal(refreshed.status, 200)
  const next = await refreshed.json()
  assert.notEqual(next.refresh, refresh)

  const me = await fetch(`${baseUrl}/me`, { headers: { authorization: `Bearer ${next.access}` } })
  assert.equal(me.status, 200)
  assert.equal((await me.json()).email, EMAIL)
})

test('log out: the access token is refused at once', async () => {
  const { access } = await login()
  const bearer = { authorization: `Bearer ${access}` }

  const logout = await post('/auth/accounts/api/logout/', undefined, bearer)
  assert.equal(logout.status, 204)

  const me = await fetch(`${baseUrl}/me`, { headers: bearer })
  assert.equal(me.status, 401)
  assert.equal((await me.json()).code, 'token_not_valid')
})

test('the client logs in, adds the token to requests and logs out', async () => {
  const client = createClient({ authUrl: `${baseUrl}/auth`, baseUrl })
  await client.login(EMAIL, PASSWORD)

  const me = await client.fetch('/me')
  assert.equal(me.status, 200)
  assert.equal((await me.json()).email, EMAIL)

  await client.logout()
  assert.equal(client.isLoggedIn, false)
})

function run(command, args, env, stdin) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'ignore', 'inherit'],
    })
    child.stdin.end(stdin)
    child.once('exit', resolve)
  })
}

function listeningUrl(child) {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /^listening on (http:\/\/\S+)$/.exec(line)
      if (match) resolve(match[1])
    })
    child.once('exit', (code) => reject(new Error(`the application exited with ${code}`)))
  })
}
