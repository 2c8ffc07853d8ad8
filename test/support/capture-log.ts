import { createLogger, type Logger } from '../../runtime/log.js'

export interface CapturedLog {
  log: Logger
  /** Every line the logger wrote, parsed, in order. */
  lines: Array<Record<string, unknown>>
}

/** The one log sink of the test suite: a real pino logger (redaction included) writing into `lines`. */
export function captureLog(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' = 'debug'): CapturedLog {
  const lines: Array<Record<string, unknown>> = []
  const log = createLogger({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) })
  return { log, lines }
}
