import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { chromium, type BrowserContext } from 'playwright-core'

/** Debian's Chromium; Playwright's own browser download cannot work in CI. */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/** A host name the browser resolves to 127.0.0.1: another site, served by the test itself. */
export const OTHER_SITE_HOST = 'evil.test'

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Only the other-site name is mapped, and only to this machine.
  `--host-resolver-rules=MAP ${OTHER_SITE_HOST} 127.0.0.1`,
]

/**
 * Whether the browser tests run. Without Chromium they are skipped with a message, except
 * in CI (`CI=true`), where a missing browser is a failure.
 */
export function browserTestsRun(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`CI must install Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`)
  }
  console.warn(
    `Skipping the browser tests: no Chromium at ${CHROMIUM_PATH}. ` +
      'Install it with `apt-get install chromium` to run them.',
  )
  return false
}

export interface RunningBrowser {
  context: BrowserContext
  close(): Promise<void>
}

/** Starts Chromium with an empty profile of its own. */
export async function launchBrowser(): Promise<RunningBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'gatehouse-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 760 },
  })

  return {
    context,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** Serves one fixed HTML page on 127.0.0.1, as another site would serve it. */
export async function serveOtherSite(
  page: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(page)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }

  return {
    url: `http://${OTHER_SITE_HOST}:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        // The browser keeps its connection open; close() alone would wait for it forever.
        server.closeAllConnections()
      }),
  }
}
