import t, { type Test } from 'tap'
import { systemClock } from '../../../runtime/core/clock.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { openSerialportLink } from '../../../drivers/serial/serialport-link.js'
import { SimSerialLink } from '../../../drivers/serial/sim-serial-link.js'
import { SerialQrScanner, type Scan, type SerialQrScannerOptions } from '../../../drivers/scanner/qr-scanner.js'
import { SimQrScanner } from '../../../drivers/scanner/sim-qr-scanner.js'
import { createPtyPair } from '../../support/socat.js'

// Synthetic person from docs/protocols.md 7.1; not a real resident.
const CCCD_QR =
  '079203000001|025000001|Nguyễn Văn An|15082003|Nam|12 Lê Lợi, Phường Bến Thành, Quận 1, TP. Hồ Chí Minh|20042021'
// Synthetic TD1 MRZ from docs/protocols.md 6.2.
const MRZ = ['IDVNM2030000018079203000001<<8', '0308153M2808152VNM<<<<<<<<<<<6', 'NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<']

async function scannerRig(t: Test, options: Partial<SerialQrScannerOptions> = {}) {
  const clock = new SimClock(0)
  const { host, device } = SimSerialLink.pair('/dev/ttyACM0')
  const scanner = new SerialQrScanner(host, { clock, ...options })
  const sim = new SimQrScanner(device)
  const scans: Scan[] = []
  const garbage: string[] = []
  scanner.onScan((scan) => scans.push(scan))
  scanner.onGarbage((reason) => garbage.push(reason))
  scanner.start()
  t.teardown(async () => {
    scanner.stop()
    await host.close()
  })
  return { clock, host, scanner, sim, scans, garbage }
}

t.test('emits a CCCD QR line as one cccd scan with its text intact', async (t) => {
  const { sim, scans, garbage } = await scannerRig(t)
  await sim.present(CCCD_QR)
  t.strictSame(scans, [{ kind: 'cccd', text: CCCD_QR }])
  t.strictSame(garbage, [])
})

t.test('emits text that is neither CCCD nor MRZ as unknown', async (t) => {
  const { sim, scans } = await scannerRig(t)
  await sim.present('https://dichvucong.gov.vn')
  t.strictSame(scans, [{ kind: 'unknown', text: 'https://dichvucong.gov.vn' }])
})

t.test('counts identical scans within holdMs once, and again once the hold has passed', async (t) => {
  const { clock, sim, scans } = await scannerRig(t, { holdMs: 2000 })
  await sim.present(CCCD_QR)
  clock.advance(1500)
  await sim.present(CCCD_QR)
  clock.advance(1500)
  await sim.present(CCCD_QR)
  t.equal(scans.length, 1, 'a card held in front of a continuous-mode scanner is one scan')
  clock.advance(2000)
  await sim.present(CCCD_QR)
  t.equal(scans.length, 2, 'the same card presented again after the hold counts')
})

t.test('does not hold back a different scan', async (t) => {
  const { sim, scans } = await scannerRig(t)
  await sim.present(CCCD_QR)
  await sim.present('OTHER')
  await sim.present(CCCD_QR)
  t.strictSame(
    scans.map((scan) => scan.kind),
    ['cccd', 'unknown', 'cccd'],
  )
})

t.test('drops a half line as garbage after partialTimeoutMs without a byte', async (t) => {
  const { clock, sim, scans, garbage } = await scannerRig(t, { partialTimeoutMs: 300 })
  const half = new TextEncoder().encode(CCCD_QR.slice(0, 40))
  await sim.sendRaw(half.slice(0, 20))
  clock.advance(250)
  await sim.sendRaw(half.slice(20))
  clock.advance(250)
  t.strictSame(garbage, [], 'the timeout restarts with every byte')
  clock.advance(50)
  t.strictSame(garbage, ['partial scan: no line end within 300 ms'])
  t.notMatch(garbage[0], /0792/, 'the reason carries none of the scanned text')
  await sim.present('NEXT')
  t.strictSame(scans, [{ kind: 'unknown', text: 'NEXT' }], 'the half line does not prefix the next scan')
})

t.test('reports invalid UTF-8 and an over-long line as garbage, then reads the next scan', async (t) => {
  const { clock, sim, scans, garbage } = await scannerRig(t, { maxLength: 64 })
  await sim.sendRaw(Uint8Array.of(0xff, 0xfe, 0x0d, 0x0a))
  await sim.sendRaw(new Uint8Array(100).fill(0x41))
  clock.advance(1000) // no line end ever comes: the skip ends with the partial timeout, silently
  await sim.present(CCCD_QR.slice(0, 40))
  t.equal(garbage.length, 2)
  t.match(garbage[0], /UTF-8/)
  t.match(garbage[1], /longer than 64 bytes/)
  t.strictSame(scans, [{ kind: 'cccd', text: CCCD_QR.slice(0, 40) }])
})

t.test('combines three MRZ lines within mrzWindowMs into one mrz scan', async (t) => {
  const { clock, sim, scans, garbage } = await scannerRig(t, { mrzWindowMs: 500 })
  await sim.present(MRZ[0] ?? '')
  clock.advance(200)
  await sim.present(MRZ[1] ?? '')
  clock.advance(200)
  t.strictSame(scans, [], 'nothing until the third line')
  await sim.present(MRZ[2] ?? '')
  t.strictSame(scans, [{ kind: 'mrz', text: MRZ.join('\n') }])
  clock.advance(1000)
  t.strictSame(garbage, [])
})

t.test('combines MRZ lines that arrive in a single chunk', async (t) => {
  const { sim, scans } = await scannerRig(t)
  await sim.sendRaw(new TextEncoder().encode(`${MRZ.join('\r')}\r`))
  t.strictSame(scans, [{ kind: 'mrz', text: MRZ.join('\n') }])
})

t.test('reports an MRZ missing a line within the window as garbage', async (t) => {
  const { clock, sim, scans, garbage } = await scannerRig(t, { mrzWindowMs: 500 })
  await sim.presentMrz(MRZ.slice(0, 2))
  clock.advance(500)
  t.strictSame(garbage, ['incomplete MRZ: 2 of 3 lines within 500 ms'])
  await sim.present(MRZ[2] ?? '')
  clock.advance(500)
  t.strictSame(scans, [], 'a late third line does not complete the old read')
  t.strictSame(garbage, ['incomplete MRZ: 2 of 3 lines within 500 ms', 'incomplete MRZ: 1 of 3 lines within 500 ms'])
})

t.test('a non-MRZ scan between MRZ lines abandons the MRZ and is still emitted', async (t) => {
  const { sim, scans, garbage } = await scannerRig(t)
  await sim.present(MRZ[0] ?? '')
  await sim.present(CCCD_QR)
  t.strictSame(garbage, ['incomplete MRZ: 1 of 3 lines within 500 ms'])
  t.strictSame(scans, [{ kind: 'cccd', text: CCCD_QR }])
})

t.test('counts a repeated MRZ read within holdMs once', async (t) => {
  const { clock, sim, scans } = await scannerRig(t)
  await sim.presentMrz(MRZ)
  clock.advance(600)
  await sim.presentMrz(MRZ)
  t.equal(scans.length, 1)
})

t.test('after stop, bytes from the scanner are ignored and no timers are left', async (t) => {
  const { clock, scanner, sim, scans, garbage } = await scannerRig(t)
  await sim.sendRaw(new TextEncoder().encode('HALF'))
  scanner.stop()
  t.equal(clock.pendingTimers, 0)
  await sim.present(CCCD_QR)
  clock.advance(5000)
  t.strictSame(scans, [])
  t.strictSame(garbage, [])
  scanner.start()
  await sim.present('AGAIN')
  t.strictSame(scans, [{ kind: 'unknown', text: 'AGAIN' }], 'start after stop reads again from a clean line')
})

t.test('over a real pty: a CCCD QR line from the far end arrives as one scan', async (t) => {
  const pty = await createPtyPair(t)
  // The reading end opens first: bytes sent to an unopened pty are lost (docs/toolchain.md 2).
  const host = await openSerialportLink({ path: pty.pathA, baudRate: 9600 })
  t.teardown(() => host.close())
  const device = await openSerialportLink({ path: pty.pathB, baudRate: 9600 })
  t.teardown(() => device.close())
  const scanner = new SerialQrScanner(host, { clock: systemClock })
  t.teardown(() => scanner.stop())
  const garbage: string[] = []
  scanner.onGarbage((reason) => garbage.push(reason))
  const scanned = new Promise<Scan>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no scan within 2 s')), 2000)
    scanner.onScan((scan) => {
      clearTimeout(timer)
      resolve(scan)
    })
  })
  scanner.start()
  const sim = new SimQrScanner(device)
  // Sent in two writes split inside a multi-byte character, as a slow UART may deliver it.
  const bytes = new TextEncoder().encode(`${CCCD_QR}\r\n`)
  const splitAt = bytes.indexOf(0xbb)
  await sim.sendRaw(bytes.slice(0, splitAt))
  await new Promise((resolve) => setTimeout(resolve, 20))
  await sim.sendRaw(bytes.slice(splitAt))
  t.strictSame(await scanned, { kind: 'cccd', text: CCCD_QR })
  t.strictSame(garbage, [], 'the pause inside the character did not cut the line')
})
