import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { PASSWORD, sleep } from '../support/api.js'
import { browserTestsRun, launchBrowser, type RunningBrowser } from '../support/browser.js'
import { startHostApp, type RunningHostApp } from '../support/host-app.js'

const EMAIL = 'ada@example.com'

declare global {
  interface Window {
    gatehouse: typeof import('../../dist/client/index.js')
    client: import('../../dist/client/index.js').GatehouseClient
    refreshes: number
    ended: string[]
  }
}

/** Opens a tab of the application with a client keeping its tokens in localStorage. */
async function openTab(browser: RunningBrowser, url: string): Promise<Page> {
  const page = await browser.context.newPage()
  await page.goto(`${url}/open`)
  // The built client as a page loads it: an ES module from the application's origin.
  await page.addScriptTag({
    type: 'module',
    content: "import * as gatehouse from '/client/index.js'; window.gatehouse = gatehouse",
  })
  await page.waitForFunction(() => window.gatehouse !== undefined)
  await page.evaluate(() => {
    const { createClient, localStorageTokenStore } = window.gatehouse
    window.refreshes = 0
    window.ended = []
    window.client = createClient({
      authUrl: '/auth',
      store: localStorageTokenStore(),
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = input instanceof Request ? input.url : String(input)
        if (url.includes('/accounts/api/token/refresh/')) window.refreshes += 1
        return fetch(input, init)
      },
    })
    window.client.addEventListener('sessionended', (event) => {
      window.ended.push((event as unknown as { reason: string }).reason)
    })
  })
  return page
}

function fetchMeFiveTimes(page: Page): Promise<number[]> {
  return page.evaluate(() =>
    Promise.all(
      Array.from({ length: 5 }, async () => (await window.client.fetch('/api/me')).status),
    ),
  )
}

describe.runIf(browserTestsRun())('the client in Chromium, in two tabs', () => {
  let host: RunningHostApp
  let browser: RunningBrowser

  beforeAll(async () => {
    // Short-lived access tokens and no tolerance: an expired token is refused at once. Twenty
    // seconds leaves a fresh token outside its refresh margin (a fifth of its life) for as
    // long as the burst below can take on a loaded machine, so only the first token refreshes.
    host = await startHostApp('express', {
      HOST_ACCESS_TOKEN_LIFETIME: '20s',
      HOST_CLOCK_TOLERANCE: '0s',
    })
    await host.cli(['createuser', '--email', EMAIL, '--password-stdin'], PASSWORD)
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await host?.stop()
  })

  it('sends one refresh for both tabs under the Web Locks API', async () => {
    const first = await openTab(browser, host.url)
    const second = await openTab(browser, host.url)
    expect(await first.evaluate(() => typeof navigator.locks?.request)).toBe('function')

    await first.evaluate((password) => window.client.login('ada@example.com', password), PASSWORD)
    expect(await second.evaluate(() => window.client.isLoggedIn)).toBe(true)
    // Into the first token's refresh margin, with a second to spare for the client's estimate
    // of the server's clock, which it reads from one-second `Date` headers.
    await sleep(17_500)

    const [fromFirst, fromSecond] = await Promise.all([
      fetchMeFiveTimes(first),
      fetchMeFiveTimes(second),
    ])
    expect([...fromFirst, ...fromSecond]).toEqual(Array(10).fill(200))
    const refreshes = await Promise.all(
      [first, second].map((tab) => tab.evaluate(() => window.refreshes)),
    )
    expect(refreshes[0]! + refreshes[1]!).toBe(1)
  })

  it('tells the other tab that the session ended when one tab logs out', async () => {
    const first = await openTab(browser, host.url)
    await first.evaluate(() => localStorage.clear())
    const second = await openTab(browser, host.url)
    await first.evaluate((password) => window.client.login('ada@example.com', password), PASSWORD)
    const fetchMe = () => second.evaluate(async () => (await window.client.fetch('/api/me')).status)
    expect(await fetchMe()).toBe(200)

    await first.evaluate(() => window.client.logout())

    expect(await fetchMe()).toBe(401)
    expect(await first.evaluate(() => window.ended)).toEqual(['logout'])
    expect(await second.evaluate(() => window.ended)).toEqual(['ended_elsewhere'])
  })
})
