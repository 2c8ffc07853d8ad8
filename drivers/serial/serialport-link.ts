import { read as fsRead } from 'node:fs'
import { promisify } from 'node:util'
import type { SerialPort } from 'serialport'
import { StationError } from '../../runtime/core/errors.js'
import type { SerialLink, Unsubscribe } from './serial-link.js'

/** What `openSerialportLink` needs to open one serial device. */
export interface SerialportLinkOptions {
  /** Device node, e.g. `/dev/serial/by-id/usb-…` or `/dev/ttyACM0`. */
  path: string
  /** Line speed in bits per second (ignored by USB-CDC devices, required by UARTs). */
  baudRate: number
  /** Hardware flow control (RTS/CTS); default false. */
  rtscts?: boolean
}

/**
 * Opens a SerialLink over the real `serialport` package. serialport is imported here, lazily, so
 * its native binding loads only when a serial device is actually configured.
 *
 * Rejects with E_DEVICE_ABSENT when the node is missing or not accessible (the message names the
 * path, and the `dialout` group when permission was denied), and E_SERIAL_IO for any other failure.
 * The link reads from the moment it opens: that is how an unplug is noticed, and it also means the
 * process stays alive until the link is closed.
 */
export async function openSerialportLink(options: SerialportLinkOptions): Promise<SerialLink> {
  const { SerialPort } = await import('serialport')
  const port = await new Promise<SerialPort>((resolve, reject) => {
    const opened: SerialPort = new SerialPort(
      { path: options.path, baudRate: options.baudRate, ...(options.rtscts === undefined ? {} : { rtscts: options.rtscts }) },
      (error) => (error ? reject(serialportOpenError(options.path, error)) : resolve(opened)),
    )
  })
  return new SerialportLink(options.path, port)
}

/**
 * Maps a failed serialport open to a StationError. serialport's native open errors carry no errno,
 * only strerror text ("Error: No such file or directory, cannot open /dev/ttyX"), so the cause is
 * recognised from the message. Exported for tests: root, which runs them, never sees EACCES.
 */
export function serialportOpenError(path: string, error: Error): StationError {
  const message = error.message
  if (/No such file or directory|ENOENT/i.test(message)) {
    return new StationError('E_DEVICE_ABSENT', `serial device ${path} does not exist (not plugged in?)`, { path, errno: 'ENOENT' }, { cause: error })
  }
  if (/Permission denied|EACCES/i.test(message)) {
    return new StationError(
      'E_DEVICE_ABSENT',
      `serial device ${path} is not accessible: permission denied; the station's user must be in the dialout group`,
      { path, errno: 'EACCES' },
      { cause: error },
    )
  }
  return new StationError('E_SERIAL_IO', `cannot open serial device ${path}: ${message}`, { path }, { cause: error })
}

class SerialportLink implements SerialLink {
  readonly path: string
  #port: SerialPort
  #closed = false
  #closeRequested = false
  #lastError: Error | undefined
  /** Rejecters of writes still waiting for drain; a close must not leave them hanging. */
  #pendingWrites = new Set<(error: Error) => void>()
  #dataListeners = new Set<(chunk: Uint8Array) => void>()
  #closeListeners = new Set<(error?: Error) => void>()

  constructor(path: string, port: SerialPort) {
    this.path = path
    this.#port = port
    // Before the first read: once 'data' has a listener the stream starts reading.
    if (isUnixPortBinding(port.port)) treatEndOfFileAsHangup(port.port)
    port.on('data', (chunk: Buffer) => {
      if (this.#closed || chunk.length === 0) return
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)
      for (const listener of this.#dataListeners) listener(bytes)
    })
    // Without an 'error' listener a failed write would crash the process; the error is kept so the
    // 'close' that follows can say why.
    port.on('error', (error: Error) => {
      this.#lastError = error
    })
    port.on('close', (error?: Error | null) => this.#onPortClosed(error ?? undefined))
  }

  get isOpen(): boolean {
    return !this.#closed && this.#port.isOpen
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.isOpen) {
      return Promise.reject(new StationError('E_SERIAL_IO', `serial link ${this.path} is closed`, { path: this.path }))
    }
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        this.#pendingWrites.delete(fail)
        reject(this.#ioError(`write to serial device ${this.path} failed`, error))
      }
      this.#pendingWrites.add(fail)
      this.#port.write(Buffer.from(bytes), (error) => {
        if (error) fail(error)
      })
      this.#port.drain((error) => {
        if (error) return fail(error)
        this.#pendingWrites.delete(fail)
        resolve()
      })
    })
  }

  onData(listener: (chunk: Uint8Array) => void): Unsubscribe {
    this.#dataListeners.add(listener)
    return () => this.#dataListeners.delete(listener)
  }

  onClose(listener: (error?: Error) => void): Unsubscribe {
    this.#closeListeners.add(listener)
    return () => this.#closeListeners.delete(listener)
  }

  close(): Promise<void> {
    this.#closeRequested = true
    if (this.#closed || !this.#port.isOpen) {
      this.#onPortClosed(undefined)
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      // A close error means the fd is already unusable; either way the link is closed afterwards.
      this.#port.close(() => {
        this.#onPortClosed(undefined)
        resolve()
      })
    })
  }

  #onPortClosed(portError: Error | undefined): void {
    if (this.#closed) return
    this.#closed = true
    // serialport may emit a bare 'close' before the one carrying the DisconnectedError, so any close
    // we did not ask for counts as the device going away.
    const error = this.#closeRequested
      ? undefined
      : this.#ioError(`serial device ${this.path} disconnected`, portError ?? this.#lastError)
    const listeners = [...this.#closeListeners]
    this.#closeListeners.clear()
    this.#dataListeners.clear()
    for (const fail of [...this.#pendingWrites]) fail(error ?? new Error('link closed'))
    for (const listener of listeners) listener(error)
  }

  #ioError(message: string, cause: Error | undefined): StationError {
    const detail = cause ? `: ${cause.message}` : ''
    return new StationError('E_SERIAL_IO', `${message}${detail}`, { path: this.path }, cause ? { cause } : undefined)
  }
}

/** The members of @serialport/bindings-cpp's LinuxPortBinding / DarwinPortBinding that the read fix uses. */
interface UnixPortBinding {
  fd: number | null
  readonly isOpen: boolean
  readonly poller: { once(event: 'readable', listener: (error?: Error | null) => void): unknown }
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>
}

function isUnixPortBinding(port: unknown): port is UnixPortBinding {
  if (typeof port !== 'object' || port === null) return false
  const candidate = port as Partial<UnixPortBinding>
  return typeof candidate.read === 'function' && 'fd' in candidate && typeof candidate.poller?.once === 'function'
}

const readFd = promisify(fsRead)

/**
 * Replaces the port's read with one that treats a zero-byte read as the device going away.
 * bindings-cpp 13's unixRead retries a zero-byte read at once, forever (serialport/bindings-cpp
 * issue #162), but read(2) on a hung-up tty returns 0 (end of file): if a USB adapter is pulled,
 * or the pty master closes, while no poll is pending, the process spins and never sees 'close'.
 * Measured here on socat ptys: most kills right after open were missed that way.
 * Everything else is as in bindings-cpp's unixRead: EAGAIN waits for the poller's 'readable',
 * and errors carrying `canceled` (port closing) are ignored by the stream.
 */
function treatEndOfFileAsHangup(port: UnixPortBinding): void {
  port.read = async function readUntilHangup(buffer, offset, length) {
    for (;;) {
      if (!port.isOpen || port.fd === null) throw Object.assign(new Error('Port is not open'), { canceled: true })
      try {
        const { bytesRead } = await readFd(port.fd, buffer, offset, length, null)
        if (bytesRead === 0) throw Object.assign(new Error('device hung up (end of file)'), { code: 'EOF', disconnect: true })
        return { bytesRead, buffer }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw error
        // The port may have closed while the read was in the thread pool; polling a destroyed
        // poller crashes the process (SIGSEGV, seen here), so check before waiting.
        if (!port.isOpen) throw Object.assign(new Error('Port is not open'), { canceled: true })
        await new Promise<void>((resolve, reject) => {
          port.poller.once('readable', (pollError) => (pollError ? reject(pollError) : resolve()))
        })
      }
    }
  }
}
