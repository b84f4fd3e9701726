import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const GUIDE = readFileSync(resolve(ROOT, 'README.md'), 'utf8')

/** The guide's code blocks that name the example file they come from: ```js examples/... */
function quotedBlocks(): Array<{ file: string; lines: string[] }> {
  const blocks = [...GUIDE.matchAll(/^```\w+ (examples\/\S+)\n([\s\S]*?)^```$/gm)]
  return blocks.map((match) => ({
    file: match[1]!,
    lines: match[2]!.replace(/\n$/, '').split('\n'),
  }))
}

describe('the README\'s "Add to an existing app" section', () => {
  it('quotes the examples', () => {
    const files = new Set(quotedBlocks().map((block) => block.file))
    for (const example of ['express', 'fastify', 'hono']) {
      expect(files).toContain(`examples/${example}/server.js`)
    }
  })

  it('quotes each block line for line from the example it names', () => {
    for (const block of quotedBlocks()) {
      const source = readFileSync(resolve(ROOT, block.file), 'utf8')
      expect(source, block.file).toContain(block.lines.join('\n'))
    }
  })
})
