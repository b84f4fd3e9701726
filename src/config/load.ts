import { existsSync, readFileSync } from 'node:fs'

import { settingsSchema, toSettings, type Settings } from './settings.js'

/** A configuration problem, reported as one line naming the setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

const DEFAULT_CONFIG_FILE = 'gatehouse.config.json'

/**
 * Reads settings from an optional JSON config file (`GATEHOUSE_CONFIG`, or
 * `gatehouse.config.json` in the working directory) and the environment, which wins.
 */
export function loadSettings(environment: NodeJS.ProcessEnv = process.env): Settings {
  const fromFile = readConfigFile(environment.GATEHOUSE_CONFIG)
  const fromEnvironment = Object.fromEntries(
    Object.entries(environment).filter(([name]) => name.startsWith('GATEHOUSE_')),
  )
  return parseSettings({ ...fromFile, ...fromEnvironment })
}

/** Validates raw settings keyed by environment variable name. */
export function parseSettings(raw: Record<string, unknown>): Settings {
  const cleaned = Object.fromEntries(
    Object.entries(raw).filter(([, value]) => value !== undefined && value !== ''),
  )
  const result = settingsSchema.safeParse(cleaned)
  if (!result.success) {
    const issue = result.error.issues[0]
    const name = String(issue?.path[0] ?? 'configuration')
    throw new ConfigError(`${name}: ${issue?.message ?? 'invalid value'}`)
  }
  return toSettings(result.data)
}

function readConfigFile(explicitPath: string | undefined): Record<string, unknown> {
  const path = explicitPath ?? DEFAULT_CONFIG_FILE
  if (!explicitPath && !existsSync(path)) return {}

  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    throw new ConfigError(`GATEHOUSE_CONFIG: cannot read ${path} as a JSON object`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`GATEHOUSE_CONFIG: ${path} must hold a JSON object`)
  }
  const unknown = Object.keys(parsed).find((name) => !(name in settingsSchema.shape))
  if (unknown !== undefined) {
    throw new ConfigError(`${unknown}: not a setting (in ${path})`)
  }
  return Object.fromEntries(
    Object.entries(parsed).map(([name, value]) => [
      name,
      value === null ? undefined : String(value),
    ]),
  )
}
