import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

import type { Page } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

import { PASSWORD, createUser, getProtected, postJson, refresh } from '../support/api.js'
import {
  browserTestsRun,
  launchBrowser,
  serveOtherSite,
  type RunningBrowser,
} from '../support/browser.js'
import { startServer, type RunningServer } from '../support/server.js'
import { WebClient } from '../support/web.js'

const EMAIL = 'alice@example.com'

// The README's screenshots are rewritten only when asked, so a test run leaves the tree clean.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? resolve(import.meta.dirname, '../../docs/screenshots')
  : resolve(import.meta.dirname, '../../test-results/screenshots')

describe.runIf(browserTestsRun())('the web pages in Chromium', () => {
  let server: RunningServer
  let browser: RunningBrowser
  let page: Page

  beforeAll(async () => {
    server = await startServer()
    await createUser(server, EMAIL, PASSWORD, ['--username', 'Alice'])
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  beforeEach(async () => {
    await browser.context.clearCookies()
    page = await browser.context.newPage()
  })

  async function signIn(password = PASSWORD): Promise<void> {
    await page.goto(`${server.url}/accounts/login/`)
    await page.getByLabel('Email').fill(EMAIL)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
  }

  /** An app signed in to the same account through the API, as a phone would. */
  async function apiSession() {
    const response = await postJson(
      server,
      '/accounts/api/token/',
      { email: EMAIL, password: PASSWORD },
      { 'user-agent': 'ExampleApp/2.1 (iPhone; iOS 18.2)' },
    )
    expect(response.status).toBe(200)
    return (await response.json()) as { access: string; refresh: string }
  }

  async function sessionCookieInBrowser(): Promise<boolean> {
    const cookies = await browser.context.cookies(server.url)
    return cookies.some((cookie) => cookie.name === 'gatehouse_session')
  }

  it('logs in and shows the profile, styled by the stylesheet under the CSP', async () => {
    const violations: string[] = []
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) violations.push(message.text())
    })
    await page.goto(`${server.url}/accounts/login/`)
    await page.getByLabel('Email').fill(EMAIL)
    mkdirSync(SCREENSHOTS, { recursive: true })
    await page.screenshot({ path: join(SCREENSHOTS, 'login.png') })

    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()

    await page.waitForURL(`${server.url}/accounts/profile/`)
    await expect.poll(() => page.locator('#signed-in-email').textContent()).toBe(EMAIL)
    const header = page.locator('header.site')
    const background = await header.evaluate((element) => getComputedStyle(element).backgroundColor)
    expect(background).toBe('rgb(29, 35, 43)')
    expect(violations).toEqual([])
  })

  it('shows both kinds of session, and ends another one with its button', async () => {
    const tokens = await apiSession()
    await signIn()
    await page.waitForURL(`${server.url}/accounts/profile/`)
    const apiRow = page.locator('tr[data-session-kind="api"]')
    await expect.poll(() => apiRow.count()).toBe(1)
    const thisBrowser = page.locator('tr[data-session-kind="web"]', { hasText: 'this browser' })
    await expect.poll(() => thisBrowser.count()).toBe(1)
    await page.screenshot({ path: join(SCREENSHOTS, 'profile.png'), fullPage: true })

    await apiRow.getByRole('button', { name: 'End api session' }).click()

    await expect.poll(() => page.getByRole('status').textContent()).toBe('The session has ended.')
    await expect.poll(() => apiRow.count()).toBe(0)
    expect((await getProtected(server, tokens.access)).status).toBe(401)
    expect((await refresh(server, tokens.refresh)).status).toBe(401)
  })

  it('logs out, and going back shows no user data', async () => {
    await signIn()
    await page.waitForURL(`${server.url}/accounts/profile/`)
    await expect.poll(() => page.content()).toContain(EMAIL)

    await page.locator('#identity-heading ~ form').getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL(`${server.url}/accounts/login/`)
    expect(await sessionCookieInBrowser()).toBe(false)

    await page.goBack()
    await page.waitForLoadState()
    expect(page.url()).toContain('/accounts/login/')
    expect(await page.content()).not.toContain(EMAIL)
    expect(await page.locator('#signed-in-email').count()).toBe(0)
  })

  it('says one thing for a wrong password, and starts no session', async () => {
    await signIn('not the password')

    const alert = page.getByRole('alert')
    await expect.poll(() => alert.textContent()).toBe('The email or password is not correct.')
    expect(await page.getByLabel('Email').inputValue()).toBe(EMAIL)
    expect(await page.getByLabel('Password').inputValue()).toBe('')
    expect(await sessionCookieInBrowser()).toBe(false)
  })

  it('refuses a login form posted from another site (login CSRF)', async () => {
    // The attacker fetches a genuine form with a token of their own, and plants it.
    const attacker = new WebClient(server)
    const attackerToken = await attacker.openLoginForm()
    const otherSite = await serveOtherSite(`<!doctype html>
<form method="post" action="${server.url}/accounts/login/">
<input type="hidden" name="email" value="${EMAIL}">
<input type="hidden" name="password" value="${PASSWORD}">
<input type="hidden" name="csrf_token" value="${attackerToken}">
<button type="submit">Win a prize</button>
</form>`)

    try {
      await page.goto(`${server.url}/accounts/login/`)
      await page.goto(otherSite.url)
      await page.getByRole('button', { name: 'Win a prize' }).click()
      await page.waitForURL((url) => url.origin === server.url)

      const alert = page.getByRole('alert')
      await expect.poll(() => alert.textContent()).toBe('Sign in with this site’s own form.')
      expect(await sessionCookieInBrowser()).toBe(false)
      await page.goto(`${server.url}/accounts/profile/`)
      expect(page.url()).toContain('/accounts/login/?next=')
    } finally {
      await otherSite.close()
    }
  })
})
