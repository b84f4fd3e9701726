import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

/**
 * Collects a started process's output lines into `lines` and resolves with the first match
 * of `ready` (its first group); rejects with every line so far if the process exits first.
 */
export function waitForReadyLine(
  child: ChildProcess,
  ready: RegExp,
  lines: string[],
  label: string,
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const onLine = (line: string) => {
      lines.push(line)
      const match = ready.exec(line)
      if (match) resolvePromise(match[1] as string)
    }
    createInterface({ input: child.stdout! }).on('line', onLine)
    createInterface({ input: child.stderr! }).on('line', onLine)
    child.once('exit', (code) =>
      reject(new Error(`${label} exited with ${code}: ${lines.join('\n')}`)),
    )
  })
}

/** Stops a process the test started: SIGTERM, and SIGKILL if it has not gone in 5 s. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}
