export type Unsubscribe = () => void

/**
 * A byte pipe to one serial device. Implementations: SerialportLink (serialport over a real or
 * pseudo terminal) and the in-memory SimSerialLink pair whose far end is a simulated device.
 */
export interface SerialLink {
  /** Human-readable path or name, for logs and health. */
  readonly path: string
  readonly isOpen: boolean
  /** Resolves once the bytes were handed to the OS (drained). Rejects with E_SERIAL_IO when closed or unplugged. */
  write(bytes: Uint8Array): Promise<void>
  /** Every chunk received, in order. Chunks have at least one byte and no framing guarantee. */
  onData(listener: (chunk: Uint8Array) => void): Unsubscribe
  /** Called once when the link closes; `error` is set when it closed because the device went away. */
  onClose(listener: (error?: Error) => void): Unsubscribe
  /** Idempotent. */
  close(): Promise<void>
}
