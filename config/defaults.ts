/**
 * The built-in configuration: a simulated station that runs on a laptop with no file at all. Every
 * option a config file omits takes its value from here: the schema's defaults (`config/station-options.ts`
 * and the drivers' option files), plus the paths that depend on where the station keeps its data.
 */
import { join } from 'node:path'
import { TransformDecode } from '@sinclair/typebox/value'
import type { Config } from './schema.js'
import { isObjectSchema, isOptional, type OptionSchema } from './option-problems.js'
import { StationOptions } from './station-options.js'

export { DEFAULT_ELECTRODES } from '../drivers/keypad/keypad-options.js'

/**
 * A fresh, mutable default config. `dataDir` and `bundledFlowsDir` should be absolute: the key file and
 * control socket are placed inside `dataDir`, and flows are read from `bundledFlowsDir`.
 */
export function defaultConfig(dataDir: string, bundledFlowsDir: string): Config {
  // The defaults are written as a file would write them (mode '0660'); decoding gives the config's form.
  return TransformDecode(StationOptions, [], withDataPaths(schemaDefaults(StationOptions) as RawPaths, dataDir, bundledFlowsDir)) as Config
}

type RawPaths = { dataDir: string; storage: { keyFile: string }; control: { socketPath: string }; flows: { dir: string } }

/**
 * Every `default` of the schema, nested as the config is. (TypeBox's Value.Create would insist on a
 * default for every path option, and these have none that holds on every station.)
 */
function schemaDefaults(schema: OptionSchema): unknown {
  if (!isObjectSchema(schema)) return structuredClone(schema.default)
  const created: Record<string, unknown> = {}
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    // Optional options (mqtt.tls, keypad.irqLine …) are absent unless a file sets them.
    const value = isOptional(property) ? undefined : schemaDefaults(property)
    if (value !== undefined) created[key] = value
  }
  return created
}

/** The options without a fixed default: they live inside the data dir, or are the bundled flows. */
function withDataPaths(created: RawPaths, dataDir: string, bundledFlowsDir: string): RawPaths {
  created.dataDir = dataDir
  created.storage.keyFile = join(dataDir, 'keys', 'outbox.key')
  created.control.socketPath = join(dataDir, 'station.sock')
  created.flows.dir = bundledFlowsDir
  return created
}
