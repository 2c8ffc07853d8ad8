import type { LogLine } from '../tui/tui-snapshot.js'

/** pino's numeric levels, for the tail's level word. */
const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }
/** Fields every line has, or that say nothing in a one-line tail. */
const SKIPPED = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'component', 'err'])
/** One tail line is read on a terminal: longer ones are cut. */
const MAX_TEXT_CHARS = 240

/**
 * The last log lines in memory, for `station tui` (control command `log.tail`). A second pino
 * stream beside stdout: it receives the lines after pino's redaction (runtime/log.ts), so it holds
 * nothing the journal does not. Bounded: the oldest line goes when a new one comes.
 */
export class LogRing {
  readonly #capacity: number
  #lines: LogLine[] = []

  constructor(capacity = 200) {
    this.#capacity = capacity
  }

  /** pino's destination interface: one JSON line per call. */
  write(chunk: string): void {
    for (const raw of chunk.split('\n')) {
      if (raw.trim().length === 0) continue
      const line = parseLine(raw)
      if (!line) continue
      this.#lines.push(line)
      if (this.#lines.length > this.#capacity) this.#lines.shift()
    }
  }

  /** The newest `limit` lines, oldest first. */
  tail(limit: number): LogLine[] {
    return limit > 0 ? this.#lines.slice(-limit) : []
  }
}

function parseLine(raw: string): LogLine | null {
  let record: Record<string, unknown>
  try {
    const value: unknown = JSON.parse(raw)
    if (typeof value !== 'object' || value === null) return null
    record = value as Record<string, unknown>
  } catch {
    return null
  }
  const time = typeof record.time === 'string' ? Date.parse(record.time) : typeof record.time === 'number' ? record.time : NaN
  const level = typeof record.level === 'number' ? (LEVEL_NAMES[record.level] ?? String(record.level)) : String(record.level ?? 'info')
  const parts: string[] = []
  if (typeof record.component === 'string') parts.push(`${record.component}:`)
  parts.push(String(record.msg ?? ''))
  for (const [key, value] of Object.entries(record)) {
    if (SKIPPED.has(key)) continue
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') parts.push(`${key}=${String(value)}`)
  }
  const err = record.err as { message?: unknown } | undefined
  if (err && typeof err.message === 'string') parts.push(`(${err.message})`)
  return { atMs: Number.isFinite(time) ? time : 0, level, text: parts.join(' ').slice(0, MAX_TEXT_CHARS) }
}
