import { StationError } from '../../runtime/core/errors.js'
import type { SerialLink, Unsubscribe } from './serial-link.js'

/**
 * An in-memory serial cable: two SerialLink ends, bytes written to one arrive at the other on a
 * later tick (like a real port, never synchronously). Simulated devices sit at the far end.
 * `unplug()` closes both ends with an error, as a pulled USB adapter does.
 */
export class SimSerialLink implements SerialLink {
  readonly path: string
  #open = true
  #peer: SimSerialLink | undefined
  #dataListeners = new Set<(chunk: Uint8Array) => void>()
  #closeListeners = new Set<(error?: Error) => void>()

  constructor(path: string) {
    this.path = path
  }

  get isOpen(): boolean {
    return this.#open
  }

  /** Connects two ends; each one's writes arrive at the other. */
  static pair(path: string): { host: SimSerialLink; device: SimSerialLink } {
    const host = new SimSerialLink(path)
    const device = new SimSerialLink(`${path}#device`)
    host.#peer = device
    device.#peer = host
    return { host, device }
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.#open) {
      throw new StationError('E_SERIAL_IO', `serial link ${this.path} is closed`, { path: this.path })
    }
    const copy = Uint8Array.from(bytes)
    const peer = this.#peer
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (copy.length > 0 && peer) peer.#deliver(copy)
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    this.#dataListeners.add(listener)
    return () => this.#dataListeners.delete(listener)
  }

  onClose(listener: (error?: Error) => void): Unsubscribe {
    this.#closeListeners.add(listener)
    return () => this.#closeListeners.delete(listener)
  }

  async close(): Promise<void> {
    this.#closeWith(undefined)
  }

  /** Simulates pulling the cable: both ends close with E_SERIAL_IO. */
  unplug(): void {
    const error = new StationError('E_SERIAL_IO', `device at ${this.path} disconnected`, { path: this.path })
    this.#closeWith(error)
    const peer = this.#peer
    if (peer) peer.#closeWith(error)
  }

  #deliver(chunk: Uint8Array): void {
    if (!this.#open) return
    for (const listener of this.#dataListeners) listener(chunk)
  }

  #closeWith(error: Error | undefined): void {
    if (!this.#open) return
    this.#open = false
    for (const listener of this.#closeListeners) listener(error)
    this.#closeListeners.clear()
    this.#dataListeners.clear()
  }
}
