// Parses the bundled flows once at build time into dist/flows/engine/flows-cache.prebuilt.json, for
// the checks of the built-in defaults and of the shipped configs, so a station's first start finds
// them parsed (docs/startup.md). Runs after tsc: it uses the built engine, whose fingerprint keys
// the entries. A failure here fails the build: it means the bundled flows or configs are broken.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../dist/config/load.js'
import { defaultConfig } from '../dist/config/defaults.js'
import { openFlowCacheFile, PREBUILT_FLOWS_CACHE } from '../dist/flows/engine/flow-cache-file.js'
import { loadFlowsDir } from '../dist/flows/engine/flow-folder.js'
import { stationFlowOptions } from '../dist/runtime/station-flow-options.js'

const root = new URL('..', import.meta.url).pathname
const flowsDir = join(root, 'flows')
const hardwareSets = [defaultConfig('/nonexistent', flowsDir).hardware]
for (const file of ['config/sim.yaml', 'config/station.example.yaml']) {
  const loaded = await loadConfig({ file, env: {}, overrides: {}, bundledFlowsDir: flowsDir, defaultDataDir: '/nonexistent', cwd: root })
  if (!loaded.ok) throw new Error(`${file}: ${loaded.problems.join('; ')}`)
  hardwareSets.push(loaded.config.hardware)
}
// Built from nothing every time: entries of an older engine have no use.
await rm(PREBUILT_FLOWS_CACHE, { force: true })
const cache = await openFlowCacheFile({ path: PREBUILT_FLOWS_CACHE, mode: 0o644, onProblem: (message) => { throw new Error(message) } })
const seen = new Set()
for (const hardware of hardwareSets) {
  const options = stationFlowOptions(hardware)
  if (seen.has(JSON.stringify(options))) continue
  seen.add(JSON.stringify(options))
  const loaded = await loadFlowsDir(flowsDir, { ...options, cache })
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error')
  if (errors.length > 0) throw new Error(`bundled flows have errors: ${errors.map((d) => `${d.file}:${d.line} ${d.message}`).join('; ')}`)
}
