import { GatehouseError } from '../../core/errors.js'

/**
 * The named text fields of a posted form; a field that is absent is undefined. A field sent
 * twice, or a body that is not an object of fields, is refused: no form of ours sends one.
 */
export function readForm<Name extends string>(
  body: unknown,
  names: readonly Name[],
): Partial<Record<Name, string>> {
  if (body === undefined || body === null) return {}
  if (typeof body !== 'object' || Array.isArray(body)) throw notAForm()

  const record = body as Record<string, unknown>
  const fields: Partial<Record<Name, string>> = {}
  for (const name of names) {
    const value = Object.hasOwn(record, name) ? record[name] : undefined
    if (value === undefined) continue
    if (typeof value !== 'string') throw notAForm()
    fields[name] = value
  }
  return fields
}

function notAForm(): GatehouseError {
  return new GatehouseError('invalid_request', 'The form could not be read.')
}
