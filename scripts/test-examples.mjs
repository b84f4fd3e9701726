// Packs Gatehouse as it would be published, installs the tarball into the example
// applications and runs each example's own tests. examples/ is one npm workspace, so
// Gatehouse's native dependency (better-sqlite3) is built once for the three.
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const examples = join(root, 'examples')

function npm(args, cwd) {
  execFileSync('npm', args, { cwd, stdio: 'inherit' })
}

// `npm pack` runs `prepare`, so the tarball holds a fresh build of dist/.
npm(['pack', '--pack-destination', examples], root)

// npm keeps an installed file: dependency whose version did not change; drop it so the
// new tarball is the one installed.
rmSync(join(examples, 'node_modules', 'gatehouse'), { recursive: true, force: true })
npm(['install', '--no-audit', '--no-fund', '--no-package-lock'], examples)
npm(['test'], examples)
