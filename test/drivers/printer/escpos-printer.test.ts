import t, { type Test } from 'tap'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { SimSerialLink } from '../../../drivers/serial/sim-serial-link.js'
import { EscPosPrinter, notReadyReason } from '../../../drivers/printer/escpos-printer.js'
import type { PrinterStatus } from '../../../drivers/printer/printer.js'
import type { PrinterProfile } from '../../../drivers/printer/printer-profile.js'
import type { Receipt } from '../../../drivers/printer/receipt.js'
import { SimEscPosPrinter, type SimEscPosPrinterOptions } from '../../../drivers/printer/sim-escpos-printer.js'

const PROFILE: PrinterProfile = { codepage: 'tcvn3', codeTable: 30, lineWidthChars: 32 }
const STATUS_TIMEOUT_MS = 100

const RECEIPT: Receipt = {
  lines: [
    { kind: 'text', text: 'Biên nhận hồ sơ', align: 'center', bold: true },
    { kind: 'text', text: 'Mã: HS-0042' },
    { kind: 'qr', data: 'https://dichvucong.gov.vn/tra-cuu?ma=HS-0042' },
  ],
}

const ready: PrinterStatus = { online: true, paperNearEnd: false, paperOut: false, coverOpen: false, error: false }

async function settle(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** The real driver on the host end of an in-memory cable, the simulated printer on the device end, time on a SimClock. */
function rig(t: Test, options: Partial<SimEscPosPrinterOptions> = {}) {
  const { host, device } = SimSerialLink.pair('/dev/sim-printer')
  const sim = new SimEscPosPrinter(device, { profile: PROFILE, ...options })
  const clock = new SimClock(0)
  const printer = new EscPosPrinter({ link: host, clock, profile: PROFILE, statusTimeoutMs: STATUS_TIMEOUT_MS })
  const changes: PrinterStatus[] = []
  printer.onStatusChange((status) => changes.push(status))
  t.teardown(() => printer.stop())
  return { host, sim, clock, printer, changes }
}

function paperTexts(sim: SimEscPosPrinter): string[] {
  return (sim.lastReceipt() ?? []).flatMap((line) => ('text' in line ? [line.text] : []))
}

t.test('prints a receipt: the printer shows the text and the QR payload', async (t) => {
  const { sim, printer, changes } = rig(t)
  await printer.print(RECEIPT)
  t.strictSame(paperTexts(sim), ['Biên nhận hồ sơ', 'Mã: HS-0042'])
  t.ok(sim.lastReceipt()?.some((line) => 'qr' in line && line.qr === 'https://dichvucong.gov.vn/tra-cuu?ma=HS-0042'))
  t.strictSame(sim.statusRequests, [1, 4, 1, 4], 'DLE EOT 1 and 4 before and after the job; 2 only when offline')
  t.strictSame(printer.lastStatus, ready)
  t.strictSame(changes, [ready], 'the first status counts as a change; an unchanged one does not')
  t.strictSame(sim.protocolErrors, [])
})

t.test('paper out rejects with reason paper-out and nothing is printed', async (t) => {
  const { sim, printer } = rig(t)
  sim.setPaper('out')
  await t.rejects(printer.print(RECEIPT), { code: 'E_PRINTER_NOT_READY', context: { reason: 'paper-out', stage: 'before-job' } })
  t.equal(sim.receipts.length, 0)
  t.strictSame(sim.statusRequests, [1, 4, 2])
  t.match(printer.lastStatus, { online: false, paperOut: true, paperNearEnd: true })
})

t.test('an open cover and a printer error reject with their reasons', async (t) => {
  const { sim, printer } = rig(t)
  sim.setCoverOpen(true)
  await t.rejects(printer.print(RECEIPT), { code: 'E_PRINTER_NOT_READY', context: { reason: 'cover-open' } })
  sim.setCoverOpen(false)
  sim.setFault('autocutter')
  await t.rejects(printer.print(RECEIPT), { code: 'E_PRINTER_NOT_READY', context: { reason: 'error' } })
  t.ok(sim.statusRequests.includes(3), 'DLE EOT 3 asked when DLE EOT 2 reports an error')
  t.equal(sim.receipts.length, 0)
})

t.test('notReadyReason reports offline when nothing more specific is known', async (t) => {
  t.equal(notReadyReason({ ...ready, online: false }), 'offline')
  t.equal(notReadyReason({ ...ready, paperNearEnd: true }), undefined)
  t.equal(notReadyReason({ ...ready, online: false, coverOpen: true, paperOut: true }), 'cover-open')
})

t.test('paper near end still prints and the status says so', async (t) => {
  const { sim, printer, changes } = rig(t)
  sim.setPaper('near-end')
  await printer.print(RECEIPT)
  t.equal(sim.receipts.length, 1)
  t.strictSame(await printer.status(), { ...ready, paperNearEnd: true })
  t.strictSame(changes, [{ ...ready, paperNearEnd: true }])
})

t.test('an unresponsive printer rejects with E_DEVICE_TIMEOUT after statusTimeoutMs and reads as offline', async (t) => {
  const { sim, clock, printer, changes } = rig(t)
  sim.setResponsive(false)
  const printing = printer.print(RECEIPT)
  await settle()
  clock.advance(STATUS_TIMEOUT_MS - 1)
  await settle()
  let settled = false
  printing.then(
    () => (settled = true),
    () => (settled = true),
  )
  await settle()
  t.notOk(settled, 'still waiting 1 ms before the deadline')
  clock.advance(1)
  await t.rejects(printing, { code: 'E_DEVICE_TIMEOUT', context: { n: 1, timeoutMs: STATUS_TIMEOUT_MS } })
  t.equal(sim.receipts.length, 0)
  t.strictSame(changes, [{ ...ready, online: false }])
})

t.test('XON/XOFF and other non-status bytes in the reply stream are ignored', async (t) => {
  const { sim, printer } = rig(t, { flowControl: 'xon-xoff' })
  sim.setReplyPrefix(Uint8Array.of(0x13, 0x11, 0xff, 0x00))
  await printer.print(RECEIPT)
  t.equal(sim.receipts.length, 1)
  t.strictSame(printer.lastStatus, ready)
  sim.setPaper('out') // sends XOFF unprompted, before any query
  await settle()
  t.match(await printer.status(), { paperOut: true, online: false })
  sim.setPaper('ok') // XON
  await settle()
  t.strictSame(await printer.status(), ready)
})

t.test('printing recovers once the paper is back', async (t) => {
  const { sim, printer, changes } = rig(t)
  sim.setPaper('out')
  await t.rejects(printer.print(RECEIPT), { code: 'E_PRINTER_NOT_READY', context: { reason: 'paper-out' } })
  sim.setPaper('ok')
  await printer.print(RECEIPT)
  t.equal(sim.receipts.length, 1, 'exactly one receipt: the rejected job was never sent')
  t.strictSame(changes.at(-1), ready)
  t.equal(changes.length, 2)
})

t.test('paper that runs out during the job rejects after the job with reason paper-out', async (t) => {
  const { sim, printer } = rig(t)
  sim.setPaperRemainingLines(1)
  await t.rejects(printer.print(RECEIPT), { code: 'E_PRINTER_NOT_READY', context: { reason: 'paper-out', stage: 'after-job' } })
  t.equal(sim.receipts.length, 0)
})

t.test('runs one job at a time, in call order', async (t) => {
  const { sim, printer } = rig(t)
  const jobs = ['first', 'second', 'third'].map((text) => printer.print({ lines: [{ kind: 'text', text }] }))
  await Promise.all(jobs)
  t.strictSame(
    sim.receipts.map((receipt) => receipt.lines[0]),
    ['first', 'second', 'third'].map((text) => ({ text, align: 'left', bold: false, size: 'normal' })),
  )
  t.strictSame(sim.statusRequests, [1, 4, 1, 4, 1, 4, 1, 4, 1, 4, 1, 4])
})

t.test('a receipt the codec refuses fails without touching the printer', async (t) => {
  const { sim, printer } = rig(t)
  await t.rejects(printer.print({ lines: [{ kind: 'feed', lines: -1 }] }), { code: 'E_CODEC_INVALID' })
  t.strictSame(sim.statusRequests, [])
})

t.test('idle polling reports changes to listeners and stops with stop()', async (t) => {
  const { sim, clock, printer, changes } = rig(t)
  /** Moves one poll interval on and lets the poll's queries (each a round trip over the cable) finish. */
  const nextPoll = async (): Promise<void> => {
    await clock.advanceAsync(1000)
    await settle(20)
  }
  printer.startIdlePolling(1000)
  await nextPoll()
  t.strictSame(changes, [ready])
  sim.setPaper('out')
  await nextPoll()
  t.match(changes.at(-1), { online: false, paperOut: true })
  await nextPoll()
  t.equal(changes.length, 2, 'an unchanged status is not reported again')
  sim.setPaper('ok')
  await nextPoll()
  t.strictSame(changes.at(-1), ready)
  await printer.stop()
  const asked = sim.statusRequests.length
  await clock.advanceAsync(5000, 1000)
  t.equal(sim.statusRequests.length, asked, 'no polls after stop')
  t.equal(clock.pendingTimers, 0)
})

t.test('idle polling skips while a job runs', async (t) => {
  const { sim, clock, printer } = rig(t)
  printer.startIdlePolling(10)
  sim.setResponsive(false)
  const printing = t.rejects(printer.print(RECEIPT), { code: 'E_DEVICE_TIMEOUT' })
  await settle()
  await clock.advanceAsync(STATUS_TIMEOUT_MS, 10)
  await printing
  t.strictSame(sim.statusRequests, [], 'the powered-off printer heard nothing it answered')
})

t.test('stop() cancels a waiting status query and later calls', async (t) => {
  const { sim, printer } = rig(t)
  sim.setResponsive(false)
  const waiting = printer.status()
  await settle()
  await printer.stop()
  await t.rejects(waiting, { code: 'E_CANCELED' })
  await t.rejects(printer.print(RECEIPT), { code: 'E_CANCELED' })
  await printer.stop()
})

t.test('an unplugged cable fails the waiting query with E_SERIAL_IO', async (t) => {
  const { host, sim, printer } = rig(t)
  sim.setResponsive(false)
  const waiting = printer.status()
  await settle()
  host.unplug()
  await t.rejects(waiting, { code: 'E_SERIAL_IO' })
  await t.rejects(printer.status(), { code: 'E_SERIAL_IO' })
})
