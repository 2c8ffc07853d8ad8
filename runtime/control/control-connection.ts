import type { Socket } from 'node:net'
import type { Clock, TimerHandle } from '../core/clock.js'
import { createLineSplitter, encodeMessage, MAX_REQUEST_BYTES, type ControlResponse } from './control-protocol.js'

/**
 * Requests of one connection handled at once. Further lines wait (at most one read's worth: reading
 * is paused meanwhile), so a client that pipelines thousands of requests holds a bounded amount.
 */
export const MAX_IN_FLIGHT_PER_CONNECTION = 8
/** How long a refused or idle connection may take to hang up after its last line. */
const CLOSE_GRACE_MS = 1000

export interface ConnectionStats {
  /** Requests being answered. */
  inFlight: number
  /** Request lines read but not started. */
  waiting: number
  /** Reply bytes written but not yet taken by the client. */
  queuedReplyBytes: number
  /** True while the station does not read from this client. */
  readingPaused: boolean
}

/** A connection-level refusal: an error line with id -1 (docs/security.md, "The control socket"). */
export function refusal(reason: string, message: string): string {
  const response: ControlResponse = { id: -1, ok: false, error: { code: 'E_CONTROL_REQUEST', message, reason } }
  return encodeMessage(response)
}

/** Says why, then closes; destroys the socket if the client does not hang up in time. */
export function refuseAndClose(socket: Socket, reason: string, message: string, clock: Clock): void {
  socket.end(refusal(reason, message))
  // Read and drop what the client still sends, so the close is clean and the reply is not lost.
  socket.resume()
  const timer = clock.setTimeout(() => socket.destroy(), CLOSE_GRACE_MS)
  socket.once('close', () => clock.clearTimeout(timer))
}

/**
 * One client of the control socket: splits its lines, answers them with at most
 * MAX_IN_FLIGHT_PER_CONNECTION at a time, stops reading while replies are not drained
 * (backpressure), and closes it after `idleTimeoutMs` without a request.
 */
export class ControlConnection {
  readonly #socket: Socket
  readonly #answer: (line: string) => Promise<string>
  readonly #clock: Clock
  readonly #idleTimeoutMs: number
  readonly #waiting: string[] = []
  #inFlight = 0
  #writeBlocked = false
  #closing = false
  #idleTimer: TimerHandle | undefined

  constructor(socket: Socket, answer: (line: string) => Promise<string>, options: { clock: Clock; idleTimeoutMs: number }) {
    this.#socket = socket
    this.#answer = answer
    this.#clock = options.clock
    this.#idleTimeoutMs = options.idleTimeoutMs
    socket.setEncoding('utf8')
    const split = createLineSplitter(
      (line) => this.#received(line),
      () => this.#close('too-long', `request line longer than ${MAX_REQUEST_BYTES} characters`),
      MAX_REQUEST_BYTES,
    )
    socket.on('data', (chunk: string) => {
      if (!this.#closing) split(chunk)
    })
    socket.on('drain', () => {
      this.#writeBlocked = false
      this.#pump()
    })
    socket.on('error', () => socket.destroy())
    socket.on('close', () => this.#clearIdle())
    this.#armIdle()
  }

  stats(): ConnectionStats {
    return {
      inFlight: this.#inFlight,
      waiting: this.#waiting.length,
      queuedReplyBytes: this.#socket.writableLength,
      readingPaused: this.#socket.isPaused(),
    }
  }

  destroy(): void {
    this.#clearIdle()
    this.#socket.destroy()
  }

  #received(line: string): void {
    this.#armIdle()
    this.#waiting.push(line)
    this.#pump()
  }

  /** Starts waiting requests while there is room, and reads only when nothing is held up. */
  #pump(): void {
    while (!this.#closing && !this.#writeBlocked && this.#inFlight < MAX_IN_FLIGHT_PER_CONNECTION) {
      const line = this.#waiting.shift()
      if (line === undefined) break
      this.#start(line)
    }
    if (this.#closing) return
    const heldUp = this.#writeBlocked || this.#waiting.length > 0 || this.#inFlight >= MAX_IN_FLIGHT_PER_CONNECTION
    if (heldUp) this.#socket.pause()
    else this.#socket.resume()
  }

  #start(line: string): void {
    this.#inFlight++
    void this.#answer(line).then((reply) => {
      this.#inFlight--
      if (this.#closing || this.#socket.destroyed) return
      // write() returning false means the client is not reading: stop until it drains.
      if (!this.#socket.write(reply)) this.#writeBlocked = true
      this.#pump()
    })
  }

  #armIdle(): void {
    this.#clearIdle()
    this.#idleTimer = this.#clock.setTimeout(() => this.#idleExpired(), this.#idleTimeoutMs)
  }

  #clearIdle(): void {
    if (this.#idleTimer) this.#clock.clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
  }

  #idleExpired(): void {
    this.#idleTimer = undefined
    // A handler still working for a client that reads is not idleness; one that does not read is.
    if (this.#inFlight > 0 && !this.#writeBlocked) {
      this.#armIdle()
      return
    }
    this.#close('idle', `no request for ${this.#idleTimeoutMs} ms`)
  }

  #close(reason: string, message: string): void {
    if (this.#closing) return
    this.#closing = true
    this.#clearIdle()
    this.#waiting.length = 0
    if (this.#writeBlocked) {
      // The client does not read: a last line would only queue behind the others.
      this.#socket.destroy()
      return
    }
    refuseAndClose(this.#socket, reason, message, this.#clock)
  }
}
