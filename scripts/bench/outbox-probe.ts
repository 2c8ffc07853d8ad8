/**
 * Child process for the footprint figures (run with --expose-gc), one JSON line on stdout
 * (docs/benchmarks.md). Each mode runs in a fresh process so its RSS and VmHWM are its own.
 * `open <dir>`: opens the outbox (key from env BENCH_OUTBOX_KEY, hex), times it, then collects
 *   garbage and reads VmRSS while still holding it open: { openMs, hwmKb, rssKb, depth }.
 * `raw-read <dir>`: reads every file of the folder front to back in 1 MiB chunks: { readMs, hwmKb, bytes }.
 */
import { open, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
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
  console.log(JSON.stringify({ openMs, hwmKb, rssKb, depth: outbox.depth() }))
  await outbox.close()
} else {
  const startedMs = performance.now()
  const bytes = await rawRead(dir)
  const readMs = performance.now() - startedMs
  console.log(JSON.stringify({ readMs, hwmKb: (await status()).vmHwmKb, bytes }))
}
