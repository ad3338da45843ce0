// ctest fixture (interop_deps): fail clearly when the js-libp2p interop dependencies are missing or
// stale. Imports nothing from node_modules, so it runs before `npm ci` has ever happened.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url))) // tests/interop
const FIX = 'run scripts/install-deps.sh (it runs `npm ci` in tests/interop)'

const problems = []
const major = Number(process.versions.node.split('.')[0])
if (major < 20) problems.push(`node ${process.versions.node} is too old: need >= 20`)

const nm = join(root, 'node_modules')
if (!existsSync(nm)) {
  problems.push(`${nm} is missing`)
} else {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  for (const [name, want] of Object.entries(pkg.dependencies ?? {})) {
    const file = join(nm, ...name.split('/'), 'package.json')
    if (!existsSync(file)) { problems.push(`${name} is not installed`); continue }
    const have = JSON.parse(readFileSync(file, 'utf8')).version
    if (have !== want) problems.push(`${name} is ${have}, package.json pins ${want}`)
  }
}

if (problems.length > 0) {
  console.error(`interop dependencies not ready:\n  ${problems.join('\n  ')}\n=> ${FIX}`)
  process.exit(1)
}
console.log(`interop dependencies OK (node ${process.versions.node}, ${nm})`)
