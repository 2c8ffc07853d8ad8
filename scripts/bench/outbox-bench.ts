import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { systemClock } from '../../runtime/clock.js'
import { createSilentLogger } from '../../runtime/log.js'
import { openJournalOutbox } from '../../runtime/outbox/journal-outbox.js'

/** Records per run; enough for a stable rate at ~7,000 fsyncs/s (toolchain.md section 11) without a long run. */
const RECORD_COUNT = 500
const RECORD_BYTES = 1024

/**
 * Appends 500 submissions with 1 KB of answers each through JournalOutbox (seal + frame + one O_DSYNC
 * write) and, in the same run and folder, 500 raw 1 KB `writeSync` + `fsyncSync` calls: the floor set
 * by the disk. Reports records/s for both; `ratio` = ours / reference (1.0 = as fast as the disk allows).
 */
export async function benchOutbox(
  dir: string,
): Promise<{ name: string; ours: number; reference: number; ratio: number; unit: string }[]> {
  await mkdir(dir, { recursive: true })
  const ours = await journalOutboxRate(join(dir, 'outbox'))
  const reference = rawFsyncRate(join(dir, 'raw-fsync.bin'))
  return [
    {
      name: `outbox append, ${RECORD_COUNT} x 1 KB, durable each (vs raw writeSync+fsyncSync)`,
      ours,
      reference,
      ratio: ours / reference,
      unit: 'records/s',
    },
  ]
}

async function journalOutboxRate(outboxDir: string): Promise<number> {
  const outbox = await openJournalOutbox({
    dir: outboxDir,
    key: randomBytes(32),
    clock: systemClock,
    maxBytes: 64 * 1024 * 1024,
    log: createSilentLogger(),
  })
  const answers = { note: 'x'.repeat(RECORD_BYTES - 12) }
  const startMs = performance.now()
  for (let i = 0; i < RECORD_COUNT; i++) {
    await outbox.append({
      id: `bench-${i}`,
      flow: 'bench',
      flowVersion: 1,
      createdAt: new Date(0).toISOString(),
      data: answers,
    })
  }
  const elapsedMs = performance.now() - startMs
  await outbox.close()
  return (RECORD_COUNT * 1000) / elapsedMs
}

function rawFsyncRate(file: string): number {
  const record = randomBytes(RECORD_BYTES)
  const fd = openSync(file, 'w')
  try {
    const startMs = performance.now()
    for (let i = 0; i < RECORD_COUNT; i++) {
      writeSync(fd, record)
      fsyncSync(fd)
    }
    return (RECORD_COUNT * 1000) / (performance.now() - startMs)
  } finally {
    closeSync(fd)
  }
}
