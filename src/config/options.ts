import { ConfigError } from './load.js'
import { settingsSchema, toSettings, type Settings, type SettingsInput } from './settings.js'

type CamelCase<Words extends string> = Words extends `${infer Head}_${infer Tail}`
  ? `${Lowercase<Head>}${Capitalize<CamelCase<Tail>>}`
  : Lowercase<Words>

type OptionName<Variable> = Variable extends `GATEHOUSE_${infer Words}` ? CamelCase<Words> : never

type Switch = 'true' | 'false' | '1' | '0' | 'yes' | 'no'

type OptionValue<Input> = unknown extends Input
  ? number | string
  : [Exclude<Input, undefined>] extends [Switch]
    ? boolean | Switch
    : Exclude<Input, undefined> | string[]

/**
 * Settings for a library user: each is a `GATEHOUSE_*` environment variable named in
 * camelCase (`GATEHOUSE_ACCESS_TOKEN_LIFETIME` is `accessTokenLifetime: '15m'`), validated
 * by the same rules as the server's configuration.
 */
export type SettingsOptions = {
  [Variable in keyof SettingsInput as OptionName<Variable>]?: OptionValue<SettingsInput[Variable]>
}

/** `accessTokenLifetime` to `GATEHOUSE_ACCESS_TOKEN_LIFETIME`. */
export function variableName(option: string): string {
  return `GATEHOUSE_${option.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`
}

/**
 * Validates camelCase settings with the server's schema. An unknown name or a wrong value
 * throws a `ConfigError` naming the option, as the server names the variable.
 */
export function settingsFromOptions(options: Record<string, unknown>): Settings {
  const raw: Record<string, string> = {}
  for (const [option, value] of Object.entries(options)) {
    if (value === undefined) continue
    const variable = variableName(option)
    if (!(variable in settingsSchema.shape)) {
      throw new ConfigError(`${option}: not a Gatehouse setting`)
    }
    raw[variable] = Array.isArray(value) ? value.join(',') : String(value)
  }

  const result = settingsSchema.safeParse(raw)
  if (!result.success) {
    const issue = result.error.issues[0]
    const variable = String(issue?.path[0] ?? '')
    const option = Object.keys(options).find((name) => variableName(name) === variable)
    throw new ConfigError(`${option ?? 'options'}: ${issue?.message ?? 'invalid value'}`)
  }
  return toSettings(result.data)
}
