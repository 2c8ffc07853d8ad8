/**
 * What one `station doctor` check reports, and the I/O every check is handed (docs/deployment.md,
 * "Checking an installation"). Checks never touch `process`, the file system or child processes
 * directly: they get a DoctorIo, so each one runs in a unit test against real files or fakes.
 */

export type CheckStatus = 'pass' | 'warn' | 'fail'

export interface CheckResult {
  /** Short stable name of the check: `node`, `config`, `device`, `groups`, `i2c`, `printer`, … */
  check: string
  status: CheckStatus
  /** What was found, one sentence. */
  summary: string
  /** What to do about a warn or fail, one line. */
  fix?: string
  /** Extra lines (every config problem), printed indented under the summary. */
  details?: string[]
}

/** How a program run ended; `missing` when the program is not installed. */
export type ExecResult = { kind: 'missing' } | { kind: 'exited'; code: number; stdout: string; stderr: string }

export interface DoctorIo {
  /** fs.access: resolves when `path` allows `mode` (fs.constants) for this process; rejects with the errno otherwise. */
  access(path: string, mode: number): Promise<void>
  /** statfs of the file system holding `path`. */
  statfs(path: string): Promise<{ bavail: number; bsize: number }>
  readFile(path: string): Promise<Buffer>
  /** Runs `file args` without a shell; never rejects for a non-zero exit. */
  exec(file: string, args: readonly string[], timeoutMs: number): Promise<ExecResult>
  /** Milliseconds since the epoch. */
  nowMs(): number
}

export function pass(check: string, summary: string): CheckResult {
  return { check, status: 'pass', summary }
}

export function warn(check: string, summary: string, fix: string): CheckResult {
  return { check, status: 'warn', summary, fix }
}

export function fail(check: string, summary: string, fix: string): CheckResult {
  return { check, status: 'fail', summary, fix }
}

/** The errno name of a Node error (`ENOENT`), or the message. */
export function errnoText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') return code
  return error instanceof Error ? error.message : String(error)
}
