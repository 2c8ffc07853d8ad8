// Copies the non-TypeScript files the built station reads at run time (flow YAML, config YAML)
// next to the compiled code, so `dist/` runs on its own after `npm ci`.
import { cpSync, existsSync, mkdirSync, readdirSync, chmodSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
for (const folder of ['flows', 'config', 'runtime/central/fixtures']) {
  const from = join(root, folder)
  if (!existsSync(from)) continue
  for (const name of readdirSync(from, { recursive: true })) {
    const file = String(name)
    if (!/\.(ya?ml|json)$/.test(file)) continue
    const to = join(root, 'dist', folder, file)
    mkdirSync(join(to, '..'), { recursive: true })
    cpSync(join(from, file), to)
  }
}
const main = join(root, 'dist', 'runtime', 'main.js')
if (existsSync(main)) chmodSync(main, 0o755)
