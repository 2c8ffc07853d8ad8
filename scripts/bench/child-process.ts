/** Spawning the processes some figures measure, and reading what they print (docs/benchmarks.md). */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Repository root, from dist/scripts/bench/. */
export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url))
/** The built station command. */
export const STATION_MAIN = fileURLToPath(new URL('../../runtime/main.js', import.meta.url))
/** A compiled file next to this one, e.g. `bare-client.js`. */
export function benchScript(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url))
}

export interface Spawned {
  child: ChildProcess
  pid: number
  /** Resolves with the first stdout or stderr line `match` accepts; rejects when the process exits first or after timeoutMs. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string>
  /** Lines so far (kept only the last 200) for error messages. */
  tail(): string
  /** SIGTERM, SIGKILL after killAfterMs; resolves on exit. */
  stop(killAfterMs?: number): Promise<void>
  exited: Promise<number | null>
}

export function spawnNode(args: readonly string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  if (child.pid === undefined) throw new Error(`could not spawn node ${args.join(' ')}`)
  const pid = child.pid
  const lines: string[] = []
  const waiters = new Set<(line: string) => void>()
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  for (const stream of [child.stdout, child.stderr]) {
    let partial = ''
    stream?.setEncoding('utf8')
    // Always read: a full pipe would block the child on its next log line.
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n')
      partial = parts.pop() ?? ''
      for (const line of parts) {
        lines.push(line)
        if (lines.length > 200) lines.shift()
        for (const waiter of waiters) waiter(line)
      }
    })
  }
  const tail = () => lines.slice(-20).join('\n')
  return {
    child,
    pid,
    exited,
    tail,
    waitForLine(match, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(() => reject(new Error(`no matching line within ${timeoutMs} ms from node ${args.join(' ')}:\n${tail()}`))), timeoutMs)
        const waiter = (line: string) => {
          if (match(line)) finish(() => resolve(line))
        }
        const finish = (action: () => void) => {
          clearTimeout(timer)
          waiters.delete(waiter)
          action()
        }
        waiters.add(waiter)
        void exited.then((code) => finish(() => reject(new Error(`node ${args.join(' ')} exited (${code}) first:\n${tail()}`))))
      })
    },
    async stop(killAfterMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Wall time in ms from spawn to exit of `node args`. */
export async function wallTimeMs(args: readonly string[], env: Record<string, string> = {}): Promise<number> {
  const startedMs = performance.now()
  const spawned = spawnNode(args, env)
  await spawned.exited
  return performance.now() - startedMs
}

/** True for a pino JSON line whose msg is `message`. */
export function isLogLine(line: string, message: string): boolean {
  if (!line.startsWith('{')) return false
  try {
    return (JSON.parse(line) as { msg?: unknown }).msg === message
  } catch {
    return false
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (so a cut-off timer does not hold the run). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    }, { once: true })
  })
}
