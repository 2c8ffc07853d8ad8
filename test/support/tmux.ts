/**
 * A real terminal for tests of the interactive station: a detached tmux session on a private
 * server socket (`tmux -L`), so tests never touch anyone's own tmux and can run side by side.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface Teardown {
  teardown(fn: () => unknown): void
}

export interface TmuxSession {
  /** The visible screen, one string per row (`capture-pane -p`). */
  capture(): Promise<string>
  /** `send-keys` with each argument as tmux takes it (`'23'`, `'Enter'`, `'-l', 'x'`). */
  sendKeys(...keys: string[]): Promise<void>
  resize(cols: number, rows: number): Promise<void>
  /** `kill-session`: the terminal goes away as when its window is closed. */
  kill(): Promise<void>
}

/** Runs `command` (one shell command line) in a new detached session of `cols` x `rows`. */
export async function startTmux(t: Teardown, command: string, cols: number, rows: number): Promise<TmuxSession> {
  const socket = `station-test-${process.pid}-${randomBytes(4).toString('hex')}`
  const tmux = async (...args: string[]) => (await run('tmux', ['-L', socket, ...args])).stdout
  // The server picks its default size from the client; a detached session takes -x/-y, and
  // window-size manual keeps a later resize-window.
  await tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'station', '-x', String(cols), '-y', String(rows), command)
  await tmux('set-option', '-g', 'window-size', 'manual')
  t.teardown(() => tmux('kill-server').catch(() => undefined))
  return {
    capture: () => tmux('capture-pane', '-p', '-t', 'station'),
    sendKeys: async (...keys) => void (await tmux('send-keys', '-t', 'station', ...keys)),
    resize: async (c, r) => void (await tmux('resize-window', '-t', 'station', '-x', String(c), '-y', String(r))),
    kill: async () => void (await tmux('kill-session', '-t', 'station')),
  }
}
