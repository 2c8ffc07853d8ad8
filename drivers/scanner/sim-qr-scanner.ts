import type { SerialLink } from '../serial/serial-link.js'

const CRLF = new Uint8Array([0x0d, 0x0a])
const encoder = new TextEncoder()

/**
 * A simulated QR/MRZ scanner in USB-CDC mode, sitting at the device end of a serial link (usually
 * `SimSerialLink.pair().device`, or the far end of a pty pair in tests). Like the real thing it
 * sends each read as UTF-8 followed by CR LF, and it can send damaged reads.
 */
export class SimQrScanner {
  #link: SerialLink

  constructor(link: SerialLink) {
    this.#link = link
  }

  /** A QR code held in front of the scanner: `text` as UTF-8, then CR LF. */
  async present(text: string): Promise<void> {
    await this.#link.write(withCrlf(encoder.encode(text)))
  }

  /** A card's machine-readable zone: each line sent as its own read, as MRZ-capable scanners do. */
  async presentMrz(lines: readonly string[]): Promise<void> {
    for (const line of lines) await this.present(line)
  }

  /** Exactly these bytes, with no terminator added: for invalid UTF-8, noise and half reads. */
  async sendRaw(bytes: Uint8Array): Promise<void> {
    await this.#link.write(bytes)
  }
}

function withCrlf(bytes: Uint8Array): Uint8Array {
  const framed = new Uint8Array(bytes.length + CRLF.length)
  framed.set(bytes)
  framed.set(CRLF, bytes.length)
  return framed
}
