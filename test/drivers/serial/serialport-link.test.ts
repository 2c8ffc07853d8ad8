import t, { type Test } from 'tap'
import { openSerialportLink, serialportOpenError } from '../../../drivers/serial/serialport-link.js'
import type { SerialLink } from '../../../drivers/serial/serial-link.js'
import { StationError } from '../../../runtime/core/errors.js'
import { createPtyPair } from '../../support/socat.js'
import { testDir } from '../../support/test-dir.js'

const BAUD_RATE = 9600

/** Opens a link and closes it at teardown (an open port keeps the test process alive). */
async function openLink(t: Test, path: string): Promise<SerialLink> {
  const link = await openSerialportLink({ path, baudRate: BAUD_RATE })
  t.teardown(() => link.close())
  return link
}

/** Resolves with the bytes received once `length` of them have arrived. */
function receive(link: SerialLink, length: number, timeoutMs = 2000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: number[] = []
    const timer = setTimeout(() => reject(new Error(`received ${chunks.length} of ${length} bytes`)), timeoutMs)
    const unsubscribe = link.onData((chunk) => {
      chunks.push(...chunk)
      if (chunks.length < length) return
      clearTimeout(timer)
      unsubscribe()
      resolve(Uint8Array.from(chunks))
    })
  })
}

function closed(link: SerialLink, timeoutMs = 2000): Promise<Error | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('link did not close')), timeoutMs)
    link.onClose((error) => {
      clearTimeout(timer)
      resolve(error)
    })
  })
}

t.test('round-trips bytes both ways over a real pty pair', async (t) => {
  const pty = await createPtyPair(t)
  const b = await openLink(t, pty.pathB)
  const a = await openLink(t, pty.pathA)
  t.equal(a.isOpen, true)
  t.equal(a.path, pty.pathA)

  // Every byte value, so nothing on the way is a text or line-discipline filter.
  const everyByte = Uint8Array.from({ length: 256 }, (_, index) => index)
  const atB = receive(b, everyByte.length)
  await a.write(everyByte)
  t.strictSame(await atB, everyByte, 'A to B')

  const reply = Uint8Array.of(0x1b, 0x40, 0x0d, 0x0a, 0x00)
  const atA = receive(a, reply.length)
  await b.write(reply)
  t.strictSame(await atA, reply, 'B to A')
})

t.test('opening a missing device rejects with E_DEVICE_ABSENT naming the path', async (t) => {
  const path = `${testDir(t)}/ttyUSB-missing`
  const error = await openSerialportLink({ path, baudRate: BAUD_RATE }).then(
    () => undefined,
    (error: unknown) => error,
  )
  t.ok(error instanceof StationError)
  t.match(error, { code: 'E_DEVICE_ABSENT', context: { path, errno: 'ENOENT' } })
  t.match((error as Error).message, path)
})

t.test('maps serialport open failures to station errors', async (t) => {
  const path = '/dev/ttyUSB0'
  // The exact texts @serialport/bindings-cpp builds from strerror() on Linux.
  const denied = serialportOpenError(path, new Error(`Error: Permission denied, cannot open ${path}`))
  t.match(denied, { code: 'E_DEVICE_ABSENT', context: { path, errno: 'EACCES' } })
  t.match(denied.message, path)
  t.match(denied.message, /dialout/, 'tells the installer which group is missing')

  const missing = serialportOpenError(path, new Error(`Error: No such file or directory, cannot open ${path}`))
  t.match(missing, { code: 'E_DEVICE_ABSENT', context: { errno: 'ENOENT' } })
  t.notMatch(missing.message, /dialout/)

  const busy = serialportOpenError(path, new Error('Error Resource temporarily unavailable Cannot lock port'))
  t.match(busy, { code: 'E_SERIAL_IO', context: { path } })
  t.ok(busy.cause instanceof Error, 'keeps the original as cause')
})

t.test('opening something that is not a tty rejects with E_SERIAL_IO', async (t) => {
  const dir = testDir(t, { 'not-a-tty': '' })
  await t.rejects(openSerialportLink({ path: `${dir}/not-a-tty`, baudRate: BAUD_RATE }), { code: 'E_SERIAL_IO' })
})

t.test('closes with E_SERIAL_IO when the device goes away, and writes then reject', async (t) => {
  const pty = await createPtyPair(t)
  const b = await openLink(t, pty.pathB)
  const a = await openLink(t, pty.pathA)
  const aClosed = closed(a)
  const bClosed = closed(b)
  await pty.kill()
  t.match(await aClosed, { code: 'E_SERIAL_IO', context: { path: pty.pathA } })
  t.match(await bClosed, { code: 'E_SERIAL_IO', context: { path: pty.pathB } })
  t.equal(a.isOpen, false)
  await t.rejects(a.write(Uint8Array.of(1)), { code: 'E_SERIAL_IO' })
})
