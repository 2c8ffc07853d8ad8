/**
 * Keys typed in a burst reach the keypad one at a time, in order. A terminal hands a burst over as
 * one chunk ("0912"), and presses sent side by side would put several fingers on the simulated
 * chip at once, which the keypad driver rightly reads as no clear key. So the console splits a
 * chunk into keys and a queue sends each press only after the previous one (press, hold, release)
 * has finished.
 */
import type { KeyName } from '../../config/schema.js'

/** The key flags of ink's useInput that the console reads. */
export interface TerminalKeyFlags {
  return?: boolean
  backspace?: boolean
  delete?: boolean
  escape?: boolean
  ctrl?: boolean
  meta?: boolean
}

export interface TerminalKey {
  input: string
  key: TerminalKeyFlags
}

/** What single control characters inside a burst stand for. */
const CONTROL_KEYS: Readonly<Record<string, TerminalKeyFlags>> = {
  '\r': { return: true },
  '\n': { return: true },
  '\x7f': { backspace: true },
  '\b': { backspace: true },
  '\x03': { ctrl: true },
}

/**
 * One useInput event as the keys it holds: itself when it is one key (or an escape sequence ink
 * already named), else one key per character of the burst.
 */
export function splitTerminalInput(input: string, key: TerminalKeyFlags): TerminalKey[] {
  const characters = [...input]
  // A chunk with a modifier is one key ink has named (Alt+x arrives as 'x' with meta), never a burst.
  if (characters.length <= 1 || key.ctrl === true || key.meta === true || input.includes('\x1b')) return [{ input, key }]
  return characters.map((character) => {
    const control = CONTROL_KEYS[character]
    if (!control) return { input: character, key: {} }
    // Ctrl+C as ink reports it: input 'c' with ctrl set.
    return control.ctrl ? { input: 'c', key: control } : { input: '', key: control }
  })
}

export interface PressQueue {
  /** Queues a press; resolves once it has been sent and answered (or failed: see onError). */
  push(key: KeyName): Promise<void>
  /** Presses queued or in progress. */
  readonly pending: number
}

/** Sends presses through `send` strictly one after the other; a failed press is reported and the next goes on. */
export function createPressQueue(send: (key: KeyName) => Promise<unknown>, onError: (error: unknown, key: KeyName) => void): PressQueue {
  let tail: Promise<void> = Promise.resolve()
  let pending = 0
  return {
    push(key) {
      pending += 1
      const done = tail.then(
        () => send(key).then(
          () => undefined,
          (error: unknown) => onError(error, key),
        ),
      )
      tail = done.finally(() => {
        pending -= 1
      })
      return tail
    },
    get pending() {
      return pending
    },
  }
}
