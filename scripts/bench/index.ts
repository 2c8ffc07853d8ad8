/**
 * `npm run bench`: each benchmark runs ours and a raw reference side by side in the same run and
 * prints the ratio (ours / reference). Absolute numbers depend on the disk and the CPU; the ratio
 * is what to compare between changes.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { systemClock } from '../../runtime/clock.js'
import { createSilentLogger } from '../../runtime/log.js'
import { findMosquitto, spawnPrivateMosquitto } from '../../runtime/mqtt/broker-discovery.js'
import { benchMqtt } from './mqtt-bench.js'
import { benchOutbox } from './outbox-bench.js'

interface Row {
  name: string
  ours: number
  reference: number
  ratio: number
  unit: string
}

function print(rows: readonly Row[]): void {
  for (const row of rows) {
    console.log(
      `${row.name}\n  ours ${row.ours.toFixed(0)} ${row.unit} · reference ${row.reference.toFixed(0)} ${row.unit} · ratio ${row.ratio.toFixed(2)}`,
    )
  }
}

const dir = await mkdtemp(join(tmpdir(), 'station-bench-'))
try {
  print(await benchOutbox(dir))
  const binary = await findMosquitto({ searchPath: process.env.PATH ?? '' })
  if (binary === null) {
    console.log('mqtt: skipped, mosquitto is not installed')
  } else {
    const broker = await spawnPrivateMosquitto({ binary, clock: systemClock, log: createSilentLogger() })
    try {
      print(await benchMqtt(broker.url))
    } finally {
      await broker.stop()
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
