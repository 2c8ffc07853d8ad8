/**
 * Figures 8 and 9 (docs/benchmarks.md): `station status` with no station against `node -e 0`, and
 * spawn-to-ready of `station run --sim` (the pino "station ready" line) against a bare MQTT.js
 * client that spawns, connects, publishes one QoS 1 message and exits.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { benchScript, STATION_MAIN, wallTimeMs } from './child-process.js'
import { summarize, type FigureResult, type Repetition } from './figure.js'
import { startSimStation, waitReady } from './idle-bench.js'

export interface CliBenchOptions {
  brokerUrl: string
  workDir: string
  repetitions: number
}

export async function benchStatus(options: CliBenchOptions): Promise<FigureResult[]> {
  const empty = join(options.workDir, 'status-no-station')
  await mkdir(empty, { recursive: true })
  const args = [STATION_MAIN, 'status', '--data-dir', empty]
  // One untimed run of each: the first spawn pays for the disk cache.
  await wallTimeMs(args)
  await wallTimeMs(['-e', '0'])
  const repetitions: Repetition[] = []
  for (let rep = 0; rep < options.repetitions; rep++) {
    repetitions.push({ ours: await wallTimeMs(args), reference: await wallTimeMs(['-e', '0']) })
  }
  return [
    summarize(
      { name: 'status', title: 'station status, no station', unit: 'ms', reference: 'node -e 0', goal: { metric: 'ratio', op: '<=', value: 2.5, text: '<= 2.5x' } },
      repetitions,
      ['wall time from spawn to exit; the command fails (no station), as fast as a reply would come'],
    ),
  ]
}

export async function benchReady(options: CliBenchOptions): Promise<FigureResult[]> {
  const dataDir = join(options.workDir, 'ready-station')
  await mkdir(dataDir, { recursive: true })
  const spawnToReadyMs = async (): Promise<number> => {
    const startedMs = performance.now()
    const station = startSimStation(options.brokerUrl, dataDir, 'bench-ready')
    try {
      await waitReady(station)
      return performance.now() - startedMs
    } finally {
      await station.stop()
    }
  }
  // The first start makes the data dir's keys; a kiosk restarting has them already.
  await spawnToReadyMs()
  const bare = [benchScript('bare-client.js'), 'publish-once', options.brokerUrl]
  await wallTimeMs(bare)
  const repetitions: Repetition[] = []
  for (let rep = 0; rep < options.repetitions; rep++) {
    repetitions.push({ ours: await spawnToReadyMs(), reference: await wallTimeMs(bare) })
  }
  return [
    summarize(
      {
        name: 'spawn-to-ready',
        title: 'spawn to ready, station run --sim',
        unit: 'ms',
        reference: 'bare client: spawn, connect, publish QoS 1, exit',
        goal: { metric: 'ratio', op: '<=', value: 2, text: '<= 2.0x' },
      },
      repetitions,
      ['restart of an existing data dir (keys made by an untimed first start); the reference central starts in-process as in `run --sim`'],
    ),
  ]
}
