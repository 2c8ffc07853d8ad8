import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { controlRequest } from '../../runtime/control/control-client.js'
import { controlSocketPath } from '../../runtime/control/socket-path.js'

/** The built `station` command; `npm test` builds it first (pretest). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const STATION_BIN = join(REPO_ROOT, 'dist', 'runtime', 'main.js')

export interface Teardown {
  teardown(fn: () => unknown): void
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `station <args>` to completion, as a person would in a shell. */
export function station(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    if (!existsSync(STATION_BIN)) reject(new Error(`${STATION_BIN} is missing: run npm run build`))
    const child = spawn(process.execPath, [STATION_BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

export interface StationProcess {
  child: ChildProcess
  dataDir: string
  /** Everything the station wrote to stdout (its JSON log) so far. */
  logs(): string
  stderr(): string
  /** Sends a control command straight to the station's socket. */
  request(cmd: string, args?: Record<string, unknown>): Promise<unknown>
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>
  /** SIGKILL: the station gets no chance to flush or say goodbye. */
  kill(): Promise<void>
  exited: Promise<number | null>
}

/** Starts `station run <args>` and waits until its status says ready. */
export async function startStationProcess(
  t: Teardown,
  dataDir: string,
  args: readonly string[],
  env: Record<string, string> = {},
  options: { onSpawn?: (child: ChildProcess) => void; socketPath?: string } = {},
): Promise<StationProcess> {
  const child = spawn(process.execPath, [STATION_BIN, 'run', '--data-dir', dataDir, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // For tests that kill the station before it is ready (during recovery).
  options.onSpawn?.(child)
  let logs = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  // A config with control.socketPath puts the socket elsewhere: the caller names it.
  const socket = options.socketPath ?? controlSocketPath(dataDir)
  const proc: StationProcess = {
    child,
    dataDir,
    logs: () => logs,
    stderr: () => stderr,
    request: (cmd, args = {}) => controlRequest(socket, cmd, args),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill('SIGTERM')
      return exited
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await exited
    },
    exited,
  }
  t.teardown(() => proc.kill())
  // Ready takes about half a second; the bound is for a machine loaded far past its cores,
  // where a start measured 20 s and more (a bound, not a speed check: the benchmarks time it).
  const deadline = Date.now() + 60_000
  for (;;) {
    // A station killed by a signal has no exit code, only signalCode.
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`station exited with ${child.exitCode ?? child.signalCode}: ${stderr}\n${logs.slice(-2000)}`)
    }
    try {
      const status = (await proc.request('status')) as { ready?: boolean }
      if (status.ready) return proc
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`station not ready within 60 s: ${stderr}\n${logs.slice(-2000)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export { waitUntil } from './wait-until.js'
import { waitUntil } from './wait-until.js'

/** The simulated display's rows, joined for matching. */
export async function screenText(proc: StationProcess): Promise<string> {
  const result = (await proc.request('sim.screen')) as { rows: string[] }
  return result.rows.join('\n')
}

export async function waitForScreen(proc: StationProcess, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  return waitUntil(`screen matching ${pattern}`, async () => {
    const text = await screenText(proc)
    return pattern.test(text) ? text : undefined
  }, timeoutMs)
}
