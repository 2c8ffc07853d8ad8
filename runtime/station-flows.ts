/**
 * The station's flows: the folder chosen at start (the newest good installed bundle, else
 * flows.dir: docs/remote-config.md), read through the parse cache in the data dir
 * (docs/startup.md), each diagnostic logged. The list is replaced whole on reload: the menu reads it
 * for each new session, while a session in progress keeps the definition it started with, so it
 * finishes on that version.
 */
import { join } from 'node:path'
import type { Config } from '../config/schema.js'
import { FLOWS_CACHE_FILE, openFlowCacheFile, PREBUILT_FLOWS_CACHE } from '../flows/engine/flow-cache-file.js'
import { loadFlowsDir, type FlowLoadOptions } from '../flows/engine/flow-folder.js'
import type { FlowDefinition } from '../flows/engine/flow-types.js'
import type { Logger } from './core/logger.js'
import { flowsAtStart, type FlowsAtStart } from './ops/flow-bundle.js'
import { stationFlowOptions } from './station-flow-options.js'

export interface StationFlows {
  /** What the folder choice at start found (the bundle in use, or why flows.dir is used instead). */
  readonly choice: FlowsAtStart
  /** The checks every flow passes on this station, with the parse cache. */
  readonly options: FlowLoadOptions
  /** The flows new sessions start from. */
  current(): FlowDefinition[]
  /** Reads the folder again; the flows with errors are left out, and counted. */
  reload(): Promise<{ flows: FlowDefinition[]; errors: number }>
  /** The folder the next reload reads (a newly installed bundle). */
  useDir(dir: string): void
}

/** Chooses the folder and loads it. Rejects (E_FLOW_INVALID) when the chosen folder cannot be read. */
export async function openStationFlows(config: Config, log: Logger): Promise<StationFlows> {
  const flowLog = log.child({ component: 'flows' })
  const cache = await openFlowCacheFile({
    path: join(config.dataDir, FLOWS_CACHE_FILE),
    prebuilt: [PREBUILT_FLOWS_CACHE],
    onProblem: (message) => flowLog.warn(message),
  })
  const options: FlowLoadOptions = { ...stationFlowOptions(config.hardware), cache }
  const choice = await flowsAtStart(config.dataDir, config.flows.dir, options)
  if (choice.fallback !== undefined) flowLog.warn({ reason: choice.fallback }, 'installed flow bundle not used; running flows.dir')
  let dir = choice.dir
  let flows: FlowDefinition[] = []
  const reload = async (): Promise<{ flows: FlowDefinition[]; errors: number }> => {
    const loaded = await loadFlowsDir(dir, options)
    for (const diagnostic of loaded.diagnostics) {
      const level = diagnostic.severity === 'error' ? 'error' : 'warn'
      flowLog[level]({ code: diagnostic.code, file: diagnostic.file, line: diagnostic.line, step: diagnostic.step }, diagnostic.message)
    }
    flows = [...loaded.flows.values()]
    flowLog.info({ flows: flows.map((flow) => `${flow.id}@${flow.version}`) }, 'flows loaded')
    return { flows, errors: loaded.diagnostics.filter((d) => d.severity === 'error').length }
  }
  await reload()
  return {
    choice,
    options,
    current: () => flows,
    reload,
    useDir(next) {
      dir = next
    },
  }
}
