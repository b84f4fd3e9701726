import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'

/** Reads all of standard input as the password, without its final line break. */
export async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)

  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

/** Asks for a password on the terminal without echoing it. */
export async function promptPassword(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new Error('no terminal to ask for the password on; use --password-stdin')
  }

  let muted = false
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) process.stderr.write(chunk)
      callback()
    },
  })
  const reader = createInterface({ input: process.stdin, output, terminal: true })

  try {
    return await new Promise<string>((resolve) => {
      reader.question(question, (answer) => resolve(answer))
      muted = true
    })
  } finally {
    reader.close()
    process.stderr.write('\n')
  }
}

/** The password from stdin when asked to, else from a prompt typed twice. */
export async function obtainPassword(fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) return readPasswordFromStdin()

  const password = await promptPassword('Password: ')
  const again = await promptPassword('Password (again): ')
  if (password !== again) throw new Error('the two passwords differ')
  return password
}
