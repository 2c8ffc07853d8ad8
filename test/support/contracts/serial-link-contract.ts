import type { Test } from 'tap'
import type { SerialLink } from '../../../drivers/serial/serial-link.js'
import { StationError } from '../../../runtime/core/errors.js'
import { waitUntil } from '../wait-until.js'

/** A link under test, open, with the device end of its cable. */
export interface SerialLinkContractSubject {
  link: SerialLink
  /** The far end: what it writes arrives at `link`, and what `link` writes arrives here. */
  peer: SerialLink
  /** Takes the device away, as pulling a USB adapter does (both ends of the cable see it). */
  unplug(): Promise<void>
  /**
   * Named exception "survives unplug" (ReopeningSerialLink): an unplug is not the end of the link,
   * so it fires no onClose; it reports not open and refuses writes until it reopens, and fires
   * onClose (without an error) only when closed for good.
   */
  survivesUnplug?: true
}

/** How long a "nothing more arrives" check waits: well past a pty round trip. */
const QUIET_MS = 100

/**
 * What every SerialLink must do (drivers/serial/serial-link.ts), run once per implementation: bytes
 * arrive whole and in order both ways, every data listener gets every chunk until it unsubscribes,
 * close is idempotent and fires onClose once without an error, writes after close or after the
 * device went away reject with E_SERIAL_IO, and a device that goes away closes the link with an
 * E_SERIAL_IO error (except where `survivesUnplug` says otherwise).
 */
export function describeSerialLinkContract(
  t: Test,
  name: string,
  makeSubject: (t: Test) => Promise<SerialLinkContractSubject>,
): void {
  t.test(`${name} satisfies the SerialLink contract`, async (t) => {
    t.test('is open, with a path, once made', async (t) => {
      const { link } = await makeSubject(t)
      t.equal(link.isOpen, true)
      t.type(link.path, 'string')
      t.not(link.path, '')
    })

    t.test('bytes written arrive at the far end whole and in order, every byte value', async (t) => {
      const { link, peer } = await makeSubject(t)
      const everyByte = Uint8Array.from({ length: 256 }, (_, index) => index)
      const tail = Uint8Array.of(0x0d, 0x0a, 0x00, 0xff)
      const atPeer = collect(peer, everyByte.length * 2 + tail.length)
      // Issued together: writes must not overtake each other.
      await Promise.all([link.write(everyByte), link.write(everyByte.slice().reverse()), link.write(tail)])
      t.strictSame([...(await atPeer)], [...everyByte, ...everyByte.slice().reverse(), ...tail])
    })

    t.test('data events deliver everything the far end sends, in order, to every listener', async (t) => {
      const { link, peer } = await makeSubject(t)
      const sent = Uint8Array.from({ length: 3000 }, (_, index) => (index * 7) & 0xff)
      const chunkSizes: number[] = []
      link.onData((chunk) => {
        t.ok(chunk instanceof Uint8Array && chunk.length > 0, 'chunks are non-empty Uint8Arrays', { diagnostic: false })
        chunkSizes.push(chunk.length)
      })
      const first = collect(link, sent.length)
      const second = collect(link, sent.length)
      for (let offset = 0; offset < sent.length; offset += 500) await peer.write(sent.subarray(offset, offset + 500))
      t.strictSame([...(await first)], [...sent])
      t.strictSame([...(await second)], [...sent], 'a second listener got the same bytes')
      t.equal(chunkSizes.reduce((sum, size) => sum + size, 0), sent.length, 'no byte twice')
    })

    t.test('a data listener that unsubscribes gets nothing more', async (t) => {
      const { link, peer } = await makeSubject(t)
      const seen: number[] = []
      const unsubscribe = link.onData((chunk) => seen.push(...chunk))
      const first = collect(link, 1)
      await peer.write(Uint8Array.of(7))
      await first
      unsubscribe()
      const second = collect(link, 1)
      await peer.write(Uint8Array.of(8))
      await second
      t.strictSame(seen, [7])
    })

    t.test('close is idempotent: onClose once without an error, then writes reject and nothing arrives', async (t) => {
      const { link, peer } = await makeSubject(t)
      const closeErrors: Array<Error | undefined> = []
      link.onClose((error) => closeErrors.push(error))
      const received: number[] = []
      link.onData((chunk) => received.push(...chunk))
      await link.close()
      await link.close()
      t.strictSame(closeErrors, [undefined], 'onClose once, without an error')
      t.equal(link.isOpen, false)
      await t.rejects(link.write(Uint8Array.of(1)), { code: 'E_SERIAL_IO' })
      if (peer.isOpen) await peer.write(Uint8Array.of(9)).catch(() => undefined)
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
      t.strictSame(received, [], 'no data after close')
    })

    t.test('a device that goes away is reported, and writes then reject with E_SERIAL_IO', async (t) => {
      const subject = await makeSubject(t)
      const { link } = subject
      const closeErrors: Array<Error | undefined> = []
      link.onClose((error) => closeErrors.push(error))
      await subject.unplug()
      await waitUntil('the link to notice the unplug', () => !link.isOpen, 3000)
      const error = await link.write(Uint8Array.of(1)).then(
        () => undefined,
        (error: unknown) => error,
      )
      t.ok(error instanceof StationError, 'the write rejects with a StationError')
      t.match(error, { code: 'E_SERIAL_IO' })
      if (subject.survivesUnplug) {
        await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
        t.strictSame(closeErrors, [], 'survives unplug: no onClose yet')
        await link.close()
        t.strictSame(closeErrors, [undefined], 'onClose once closed for good, without an error')
        return
      }
      await waitUntil('onClose', () => closeErrors.length > 0, 3000)
      t.equal(closeErrors.length, 1, 'onClose once')
      t.ok(closeErrors[0] instanceof StationError, 'with a StationError')
      t.match(closeErrors[0], { code: 'E_SERIAL_IO' })
      await link.close()
      t.equal(closeErrors.length, 1, 'a close after the unplug fires no second onClose')
    })
  })
}

/** Resolves with the first `length` bytes `link` receives from now on. */
function collect(link: SerialLink, length: number, timeoutMs = 3000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const bytes: number[] = []
    const timer = setTimeout(() => reject(new Error(`received ${bytes.length} of ${length} bytes`)), timeoutMs)
    const unsubscribe = link.onData((chunk) => {
      bytes.push(...chunk)
      if (bytes.length < length) return
      clearTimeout(timer)
      unsubscribe()
      resolve(Uint8Array.from(bytes))
    })
  })
}
