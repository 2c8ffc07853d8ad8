import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino'

export type { Logger } from './core/logger.js'

/**
 * Field names that may carry citizen identity data. Any log object that has one of these keys,
 * at the top level or up to three levels down, gets it censored. Code must still never log
 * personal data on purpose; this is the safety net.
 */
export const IDENTITY_FIELDS = [
  'citizenId',
  'personalId',
  'idNumber',
  'oldId',
  'name',
  'fullName',
  'dob',
  'birthDate',
  'address',
  'phone',
  'qr',
  'mrz',
  'uid',
  'identity',
  'data',
] as const

function redactPaths(): string[] {
  const paths: string[] = []
  for (const field of IDENTITY_FIELDS) {
    paths.push(field, `*.${field}`, `*.*.${field}`, `*.*.*.${field}`)
  }
  return paths
}

export interface LogOptions {
  /** pino level name; default 'info'. */
  level?: string
  /** The process id put on every line (journald and a technician tell restarts apart by it); main.ts hands it in. */
  pid?: number
}

/**
 * The root logger: pino JSON to stdout (journald in production), synchronous so lines survive a
 * watchdog SIGKILL, with identity fields redacted. Components take `log.child({ component })`.
 */
export function createLogger(options: LogOptions = {}, destination?: DestinationStream): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: redactPaths(), censor: '[redacted]' },
    base: options.pid === undefined ? {} : { pid: options.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  }
  return pino(pinoOptions, destination ?? pino.destination({ dest: 1, sync: true }))
}

/** A logger that writes nothing, for code paths that need one but whose output nobody reads. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' })
}
