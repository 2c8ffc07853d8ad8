import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'

/** Two linked pseudo-terminals: bytes written to one end come out of the other, like a null-modem cable. */
export interface PtyPair {
  /** Symlink to the first pty; stable across `restart()`. */
  readonly pathA: string
  /** Symlink to the second pty; stable across `restart()`. */
  readonly pathB: string
  /** Stops socat, as if the device were unplugged: readers see a close, and the symlinks vanish. Idempotent. */
  kill(): Promise<void>
  /** Kills socat if running, then starts a new one on the same link paths (a replug). */
  restart(): Promise<void>
}

/** socat prints this (at `-d -d`) once both ptys and their links exist (docs/toolchain.md 2). */
const READY_LINE = 'starting data transfer loop'
const READY_TIMEOUT_MS = 5000
/** Starts socat with the given arguments; when stdin reaches end of file, SIGTERMs it and waits. */
const GUARD_SCRIPT = 'socat "$@" & pid=$!; read line; kill $pid 2>/dev/null; wait $pid'

/**
 * Spawns `socat -d -d pty,… pty,…` for a test. Teardown stops socat and removes the directory; the
 * test itself must close every port it opened (open ports keep the process alive), and should open
 * the reading end before writing to the other (bytes sent to an unopened end are lost).
 */
export async function createPtyPair(t: Test): Promise<PtyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'station-pty-'))
  const pathA = join(dir, 'ttyA')
  const pathB = join(dir, 'ttyB')
  const socatArgs = ['-d', '-d', `pty,raw,echo=0,link=${pathA}`, `pty,raw,echo=0,link=${pathB}`]
  let socat: ChildProcess | undefined

  async function start(): Promise<void> {
    // socat runs under a tiny shell that kills it when our stdin pipe closes, so a test process
    // that crashes or is killed by tap's timeout leaves no socat behind.
    const child = spawn('sh', ['-c', GUARD_SCRIPT, 'socat-guard', ...socatArgs], { stdio: ['pipe', 'ignore', 'pipe'] })
    socat = child
    await new Promise<void>((resolve, reject) => {
      let stderr = ''
      const timer = setTimeout(() => {
        child.stdin?.end()
        reject(new Error(`socat not ready after ${READY_TIMEOUT_MS} ms: ${stderr}`))
      }, READY_TIMEOUT_MS)
      child.stderr?.on('data', (data: Buffer) => {
        stderr += data.toString()
        if (stderr.includes(READY_LINE)) {
          clearTimeout(timer)
          // Keep draining stderr so socat never blocks on a full pipe.
          child.stderr?.removeAllListeners('data')
          child.stderr?.resume()
          resolve()
        }
      })
      child.once('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`socat exited with ${String(code)} before it was ready: ${stderr}`))
      })
    })
  }

  async function kill(): Promise<void> {
    const child = socat
    socat = undefined
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.stdin?.end() // the guard sends socat SIGTERM and exits once socat has
    await exited
  }

  t.teardown(async () => {
    await kill()
    await rm(dir, { recursive: true, force: true })
  })

  await start()
  return {
    pathA,
    pathB,
    kill,
    async restart() {
      await kill()
      await start()
    },
  }
}
