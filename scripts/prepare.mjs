// `prepare`: npm runs it after `npm ci` / `npm install` in a checkout and before `npm pack`.
// It builds dist/ (the README's `npm ci` leaves a runnable station), but only where the
// devDependencies are: `npm ci --omit=dev` has no TypeScript and skips the build, and the packed
// station already carries its dist/ (docs/deployment.md). Packing without TypeScript fails:
// the tarball would ship no or a stale dist/.
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

let hasTypescript = true
try {
  createRequire(import.meta.url).resolve('typescript/package.json')
} catch {
  hasTypescript = false
}
const packing = process.env.npm_command === 'pack' || process.env.npm_command === 'publish'
if (!hasTypescript) {
  if (packing) {
    console.error('cannot pack: TypeScript is not installed (npm ci, with the devDependencies, first)')
    process.exit(1)
  }
  console.error('no TypeScript (production install): dist/ is not rebuilt')
  process.exit(0)
}
const npm = process.env.npm_execpath
const result = npm
  ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' })
  : spawnSync('npm', ['run', 'build'], { stdio: 'inherit' })
process.exit(result.status ?? 1)
