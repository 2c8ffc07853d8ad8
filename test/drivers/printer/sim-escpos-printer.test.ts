import t from 'tap'
import { SimSerialLink } from '../../../drivers/serial/sim-serial-link.js'
import { encodeReceipt } from '../../../drivers/printer/escpos-codec.js'
import type { PrinterProfile } from '../../../drivers/printer/printer-profile.js'
import type { Receipt } from '../../../drivers/printer/receipt.js'
import { SimEscPosPrinter, type PrintedReceipt, type SimEscPosPrinterOptions } from '../../../drivers/printer/sim-escpos-printer.js'

const PROFILE: PrinterProfile = { codepage: 'cp1258', codeTable: 52, lineWidthChars: 32 }

/** Lets SimSerialLink deliveries (one setImmediate per write) and the sim's replies happen. */
async function settle(rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

function rig(options: Partial<SimEscPosPrinterOptions> = {}) {
  const { host, device } = SimSerialLink.pair('/dev/sim-printer')
  const sim = new SimEscPosPrinter(device, { profile: PROFILE, ...options })
  const received: number[] = []
  host.onData((chunk) => received.push(...chunk))
  /** Writes from the host and waits until the sim has answered. */
  const send = async (...bytes: number[]): Promise<void> => {
    await host.write(Uint8Array.from(bytes))
    await settle()
  }
  return { host, sim, received, send }
}

const job = (text: string): number[] => Array.from(encodeReceipt({ lines: [{ kind: 'text', text }] }, PROFILE))

t.test('answers each DLE EOT n from its state', async (t) => {
  const { sim, received, send } = rig()
  const ask = async (): Promise<number[]> => {
    received.length = 0
    for (const n of [1, 2, 3, 4]) await send(0x10, 0x04, n)
    return [...received]
  }
  t.strictSame(await ask(), [0x12, 0x12, 0x12, 0x12], 'healthy and idle')
  sim.setPaper('near-end')
  t.strictSame(await ask(), [0x12, 0x12, 0x12, 0x1e], 'near end is still online')
  sim.setPaper('out')
  t.strictSame(await ask(), [0x1a, 0x32, 0x12, 0x7e], 'paper out: offline, stopped by paper end')
  sim.setPaper('ok')
  sim.setCoverOpen(true)
  t.strictSame(await ask(), [0x1a, 0x16, 0x12, 0x12], 'cover open')
  sim.setCoverOpen(false)
  sim.setFault('autocutter')
  t.strictSame(await ask(), [0x1a, 0x52, 0x1a, 0x12], 'autocutter error')
  t.strictSame(sim.statusRequests.slice(0, 4), [1, 2, 3, 4])
})

t.test('answers status mid-job at once, and prints the job only at the cut', async (t) => {
  const { sim, received, send } = rig()
  const bytes = job('Xin chào Việt Nam')
  const cut = bytes.length - 4
  await send(...bytes.slice(0, 10), 0x10, 0x04, 0x01)
  t.strictSame(received, [0x12], 'status answered while the job is half sent')
  t.equal(sim.receipts.length, 0, 'nothing printed before the cut')
  await send(...bytes.slice(10, cut))
  t.equal(sim.receipts.length, 0)
  await send(...bytes.slice(cut))
  t.strictSame(sim.lastReceipt(), [{ text: 'Xin chào Việt Nam', align: 'left', bold: false, size: 'normal' }, { cut: 'partial' }])
  t.strictSame(sim.protocolErrors, [])
})

t.test('recognises DLE EOT split across chunks and inside command data, like a real printer', async (t) => {
  const { received, send } = rig()
  await send(0x10)
  await send(0x04)
  await send(0x01)
  t.strictSame(received, [0x12])
  // A QR payload that happens to contain 10 04 02 triggers a reply (docs/protocols.md 1.5 pitfall).
  await send(0x1d, 0x28, 0x6b, 0x06, 0x00, 0x31, 0x50, 0x30, 0x10, 0x04, 0x02)
  t.strictSame(received, [0x12, 0x12])
})

t.test('with the paper out it is offline and prints nothing, not even after the paper is back', async (t) => {
  const { sim, send } = rig()
  sim.setPaper('out')
  t.ok(sim.offline)
  await send(...job('lost'))
  t.equal(sim.receipts.length, 0)
  sim.setPaper('ok')
  t.notOk(sim.offline)
  t.equal(sim.receipts.length, 0, 'the dropped job does not come out later')
  await send(...job('printed'))
  t.equal(sim.receipts.length, 1)
  t.match(sim.lastReceipt()?.[0], { text: 'printed' })
})

t.test('a roll that runs out mid-job leaves no receipt and goes offline', async (t) => {
  const { sim, received, send } = rig()
  sim.setPaperRemainingLines(3)
  await send(...Array.from(encodeReceipt({ lines: [{ kind: 'text', text: 'a\nb\nc\nd\ne' }] }, PROFILE)))
  t.equal(sim.receipts.length, 0)
  t.ok(sim.offline)
  await send(0x10, 0x04, 0x04)
  t.strictSame(received, [0x7e])
})

t.test('when powered off it never answers and prints nothing', async (t) => {
  const { sim, received, send } = rig()
  sim.setResponsive(false)
  await send(0x10, 0x04, 0x01, ...job('nothing'))
  t.strictSame(received, [])
  t.equal(sim.receipts.length, 0)
  sim.setResponsive(true)
  await send(0x10, 0x04, 0x01)
  t.strictSame(received, [0x12])
})

t.test('with XON/XOFF flow control it sends XOFF going offline and XON coming back', async (t) => {
  const { sim, received } = rig({ flowControl: 'xon-xoff' })
  sim.setCoverOpen(true)
  sim.setPaper('out')
  await settle()
  t.strictSame(received, [0x13], 'one XOFF: it was already offline for the second change')
  sim.setCoverOpen(false)
  await settle()
  t.strictSame(received, [0x13], 'still offline: no paper')
  sim.setPaper('ok')
  await settle()
  t.strictSame(received, [0x13, 0x11])
})

t.test('sends unsolicited bytes and reply prefixes in the same stream as status replies', async (t) => {
  const { sim, received, send } = rig()
  await sim.sendGarbage(Uint8Array.of(0x11))
  sim.setReplyPrefix(Uint8Array.of(0x13, 0xff))
  await send(0x10, 0x04, 0x01)
  t.strictSame(received, [0x11, 0x13, 0xff, 0x12])
})

t.test('DLE ENQ clears an autocutter error', async (t) => {
  const { sim, send } = rig()
  sim.setFault('autocutter')
  t.ok(sim.offline)
  await send(0x10, 0x05, 0x02)
  t.notOk(sim.offline)
  sim.setFault('unrecoverable')
  await send(0x10, 0x05, 0x01)
  t.ok(sim.offline, 'an unrecoverable error stays')
})

t.test('tells listeners about each receipt and records commands it cannot parse', async (t) => {
  const { sim, send } = rig()
  const seen: PrintedReceipt[] = []
  const unsubscribe = sim.onReceipt((receipt) => seen.push(receipt))
  const receipt: Receipt = { lines: [{ kind: 'qr', data: 'https://dichvucong.gov.vn' }] }
  await send(...encodeReceipt(receipt, PROFILE))
  t.equal(seen.length, 1)
  t.ok(seen[0]?.lines.some((line) => 'qr' in line && line.qr === 'https://dichvucong.gov.vn'))
  unsubscribe()
  await send(0x1b, 0x01, ...job('after noise'))
  t.equal(seen.length, 1, 'unsubscribed')
  t.equal(sim.receipts.length, 2)
  t.equal(sim.protocolErrors.length, 1)
  t.equal(sim.protocolErrors[0]?.code, 'E_CODEC_INVALID')
})
