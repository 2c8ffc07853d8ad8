/**
 * Child process for the footprint figures (run with --expose-gc), one JSON line on stdout
 * (docs/benchmarks.md). Each mode runs in a fresh process so its RSS and VmHWM are its own.
 * `open <dir>`: opens the outbox (key from env BENCH_OUTBOX_KEY, hex), times it, then collects
 *   garbage and reads VmRSS while still holding it open: { openMs, hwmKb, rssKb, idleRssKb, idleWaitMs, depth }.
 *   `idleRssKb`: VmRSS once V8's memory reducer has given back the young generation that the
 *   open's allocations grew (it runs on its own after some idle seconds; forced gc() does not
 *   shrink it), or after IDLE_WAIT_MAX_MS: what a station holding the backlog for hours keeps.
 * `raw-read <dir>`: reads every file of the folder front to back in 1 MiB chunks: { readMs, hwmKb, bytes }.
 */
import { open, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { getHeapSpaceStatistics } from 'node:v8'
import { openBenchOutbox } from './fixtures.js'
import { parseProcStatus } from './proc-stats.js'

const [mode, dir] = process.argv.slice(2)
const gc = (globalThis as { gc?: () => void }).gc

async function status() {
  return parseProcStatus(await readFile('/proc/self/status', 'utf8'))
}

async function settledRssKb(): Promise<number> {
  if (!gc) throw new Error('run with --expose-gc')
  // A few rounds with a turn of the event loop between: weak callbacks and finalizers run in between.
  for (let round = 0; round < 4; round++) {
    gc()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return (await status()).vmRssKb
}

/** Longest wait for the memory reducer; it has been seen to act 20-30 s after a large open. */
const IDLE_WAIT_MAX_MS = 60_000
/** A young generation this small has been given back (or never grew: an empty outbox). */
const SHRUNK_NEW_SPACE_BYTES = 4 * 1024 * 1024

function newSpacePhysicalBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.physical_space_size ?? 0
}

/** Waits, idle, until the young generation is small again (or the time is up), then settles and reads VmRSS. */
async function idleRssKb(): Promise<{ idleRssKb: number; idleWaitMs: number }> {
  const startedMs = performance.now()
  while (newSpacePhysicalBytes() > SHRUNK_NEW_SPACE_BYTES && performance.now() - startedMs < IDLE_WAIT_MAX_MS) {
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  const idleWaitMs = performance.now() - startedMs
  return { idleRssKb: await settledRssKb(), idleWaitMs }
}

async function rawRead(folder: string): Promise<number> {
  const buffer = Buffer.allocUnsafe(1024 * 1024)
  let bytes = 0
  const entries = await readdir(folder, { withFileTypes: true, recursive: true })
  for (const entry of entries.filter((e) => e.isFile()).sort((a, b) => a.name.localeCompare(b.name))) {
    const handle = await open(join(entry.parentPath, entry.name), 'r')
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null)
        if (bytesRead === 0) break
        bytes += bytesRead
      }
    } finally {
      await handle.close()
    }
  }
  return bytes
}

if (!dir || (mode !== 'open' && mode !== 'raw-read')) {
  console.error('usage: node --expose-gc outbox-probe.js open|raw-read <dir>')
  process.exit(64)
}
if (mode === 'open') {
  const key = Buffer.from(process.env.BENCH_OUTBOX_KEY ?? '', 'hex')
  const startedMs = performance.now()
  const outbox = await openBenchOutbox(dir, key)
  const openMs = performance.now() - startedMs
  const hwmKb = (await status()).vmHwmKb
  const rssKb = await settledRssKb()
  const idle = await idleRssKb()
  console.log(JSON.stringify({ openMs, hwmKb, rssKb, ...idle, depth: outbox.depth() }))
  await outbox.close()
} else {
  const startedMs = performance.now()
  const bytes = await rawRead(dir)
  const readMs = performance.now() - startedMs
  console.log(JSON.stringify({ readMs, hwmKb: (await status()).vmHwmKb, bytes }))
}
