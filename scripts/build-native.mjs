// Builds the sd_notify addon (native/sd-notify, docs/deployment.md) with node-gyp: on `npm ci`
// and `npm run build` in a checkout, and on the target when the packed station is installed.
// A failed build does not fail the install: only a station under systemd (NOTIFY_SOCKET) needs
// the addon, and that station says in its log that it is missing.
import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const addonDir = join(root, 'native', 'sd-notify')
const built = join(addonDir, 'build', 'Release', 'sd_notify.node')
const sources = ['sd_notify.c', 'binding.gyp'].map((name) => join(addonDir, name))

const mtimeMs = (file) => statSync(file).mtimeMs
if (existsSync(built) && sources.every((source) => mtimeMs(source) <= mtimeMs(built))) process.exit(0)

// npm hands its own node-gyp to scripts; outside npm, the one in node_modules or on PATH.
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return [process.execPath, process.env.npm_config_node_gyp]
  try {
    return [process.execPath, createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js')]
  } catch {
    return ['node-gyp']
  }
}
// Node's own headers where it has them (Debian, NodeSource): node-gyp then downloads nothing.
const installPrefix = join(process.execPath, '..', '..')
const nodedir = process.env.npm_config_nodedir ||
  (existsSync(join(installPrefix, 'include', 'node', 'node_api.h')) ? installPrefix : undefined)
const [command, ...prefix] = nodeGyp()
const args = [...prefix, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])]
const result = spawnSync(command, args, { cwd: addonDir, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
if (result.status !== 0) {
  const why = result.error ? result.error.message : (result.stderr ?? '').trim().split('\n').slice(-5).join('\n')
  console.error(`warning: the sd_notify addon did not build (a C compiler, make and python3 are needed);\n` +
    `the station runs, but under systemd it cannot report ready or ping the watchdog.\n${why}`)
}
