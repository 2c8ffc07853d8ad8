import t from 'tap'
import { frame, maintenanceCommand, simCommand, statusCommand, type ClientIo } from '../../../runtime/cli/client-commands.js'
import { ControlServer, type ControlHandler } from '../../../runtime/control/control-server.js'
import { controlSocketPath } from '../../../runtime/control/socket-path.js'
import { StationError } from '../../../runtime/core/errors.js'
import { createSilentLogger } from '../../../runtime/log.js'
import type { StatusReport } from '../../../runtime/status-report.js'
import { testDir, type TestDirOwner } from '../../support/test-dir.js'

function captureIo(): ClientIo & { outText: () => string; errText: () => string } {
  const out: string[] = []
  const err: string[] = []
  return {
    out: (text) => void out.push(text),
    err: (text) => void err.push(text),
    outText: () => out.join('\n'),
    errText: () => err.join('\n'),
  }
}

const REPORT: StatusReport = {
  ready: true,
  station: 'hcm-q1-017',
  version: '0.1.0',
  bootId: 'b00t',
  bootCount: 4,
  simulated: true,
  phase: 'welcome',
  maintenance: { on: false, reason: null, enclosureOpen: false },
  step: null,
  session: { phase: 'welcome', residentPresent: false, flow: null, step: null, elapsedS: null },
  outbox: { depth: 0, oldestAgeS: null },
  link: { configured: false, connected: false, broker: null },
  devices: { printer: { state: 'ok' } },
  flows: [{ id: 'security-feedback', version: 1 }],
}

/** A station stand-in: a real control server in a test dir, answering with the handlers given. */
async function stationWith(t: TestDirOwner, handlers: Record<string, ControlHandler>) {
  const dataDir = testDir(t)
  const calls: Array<[string, Record<string, unknown>]> = []
  const recorded: Record<string, ControlHandler> = {}
  for (const [cmd, handler] of Object.entries(handlers)) {
    recorded[cmd] = (args) => {
      calls.push([cmd, args])
      return handler(args)
    }
  }
  const server = new ControlServer(controlSocketPath(dataDir), recorded, createSilentLogger())
  t.teardown(() => server.stop())
  await server.start({ signal: new AbortController().signal, fail: () => undefined })
  return { dataDir, calls }
}

t.test('frame draws the rows inside a box as wide as the longest row', async (t) => {
  t.equal(frame(['Xin chao', 'Cham de bat dau']), '+---------------+\n|Xin chao       |\n|Cham de bat dau|\n+---------------+')
  t.equal(frame([]), '++\n++')
})

t.test('status prints the report as text and exits 0', async (t) => {
  const { dataDir } = await stationWith(t, { status: () => REPORT })
  const io = captureIo()
  t.equal(await statusCommand(controlSocketPath(dataDir), false, io), 0)
  t.match(io.outText(), /^station hcm-q1-017 ready \(version 0.1.0, simulated\)$/m)
  t.match(io.outText(), /^ {2}printer +ok$/m)
  t.equal(io.errText(), '')
})

t.test('status --json prints the report as JSON', async (t) => {
  const { dataDir } = await stationWith(t, { status: () => REPORT })
  const io = captureIo()
  t.equal(await statusCommand(controlSocketPath(dataDir), true, io), 0)
  t.strictSame(JSON.parse(io.outText()), REPORT)
})

t.test('status exits 1 and says why when no station is running', async (t) => {
  const dataDir = testDir(t)
  const text = captureIo()
  t.equal(await statusCommand(controlSocketPath(dataDir), false, text), 1)
  t.match(text.errText(), /^station status: no station is running/)
  const json = captureIo()
  t.equal(await statusCommand(controlSocketPath(dataDir), true, json), 1)
  t.match(JSON.parse(json.outText()), { ready: false, error: /no station is running/ })
})

t.test('sim press sends each key in order and exits 0', async (t) => {
  const { dataDir, calls } = await stationWith(t, { 'sim.press': () => null })
  const io = captureIo()
  t.equal(await simCommand(controlSocketPath(dataDir), ['press', '1', '2', 'ok'], false, io), 0)
  t.strictSame(calls, [
    ['sim.press', { key: '1' }],
    ['sim.press', { key: '2' }],
    ['sim.press', { key: 'ok' }],
  ])
})

t.test('sim card sends cccd text joined and mrz lines as a list', async (t) => {
  const { dataDir, calls } = await stationWith(t, { 'sim.card': () => null })
  const io = captureIo()
  t.equal(await simCommand(controlSocketPath(dataDir), ['card', 'cccd', '079203000001|025000001|Nguyen', 'Van', 'An'], false, io), 0)
  t.equal(await simCommand(controlSocketPath(dataDir), ['card', 'mrz', 'L1', 'L2', 'L3'], false, io), 0)
  t.strictSame(calls, [
    ['sim.card', { kind: 'cccd', text: '079203000001|025000001|Nguyen Van An' }],
    ['sim.card', { kind: 'mrz', text: ['L1', 'L2', 'L3'] }],
  ])
})

t.test('sim screen shows the display in a frame, or as JSON', async (t) => {
  const rows = ['Xin chao', 'Cham de bat dau']
  const { dataDir } = await stationWith(t, { 'sim.screen': () => ({ rows }) })
  const text = captureIo()
  t.equal(await simCommand(controlSocketPath(dataDir), ['screen'], false, text), 0)
  t.equal(text.outText(), frame(rows))
  const json = captureIo()
  t.equal(await simCommand(controlSocketPath(dataDir), ['screen'], true, json), 0)
  t.strictSame(JSON.parse(json.outText()), { rows })
})

t.test('sim receipt prints the last receipt, or says nothing was printed', async (t) => {
  let receipt: { lines: string[] | null; count: number } = { lines: null, count: 0 }
  const { dataDir } = await stationWith(t, { 'sim.receipt': () => receipt })
  const empty = captureIo()
  t.equal(await simCommand(controlSocketPath(dataDir), ['receipt'], false, empty), 0)
  t.equal(empty.outText(), '(nothing printed yet)')
  receipt = { lines: ['BIEN NHAN', 'Ma: A1B2'], count: 1 }
  const printed = captureIo()
  t.equal(await simCommand(controlSocketPath(dataDir), ['receipt'], false, printed), 0)
  t.equal(printed.outText(), 'BIEN NHAN\nMa: A1B2')
  const json = captureIo()
  t.equal(await simCommand(controlSocketPath(dataDir), ['receipt'], true, json), 0)
  t.strictSame(JSON.parse(json.outText()), receipt)
})

t.test('sim printer passes the state along', async (t) => {
  const { dataDir, calls } = await stationWith(t, { 'sim.printer': () => null })
  t.equal(await simCommand(controlSocketPath(dataDir), ['printer', 'paper-out'], false, captureIo()), 0)
  t.strictSame(calls, [['sim.printer', { state: 'paper-out' }]])
})

t.test('sim with missing or unknown arguments prints the usage and exits 2 without asking the station', async (t) => {
  const { dataDir, calls } = await stationWith(t, { 'sim.press': () => null, 'sim.card': () => null, 'sim.printer': () => null })
  for (const args of [[], ['help'], ['press'], ['card'], ['card', 'cccd'], ['printer'], ['printer', 'paper-out', 'now']]) {
    const io = captureIo()
    t.equal(await simCommand(controlSocketPath(dataDir), args, false, io), 2, args.join(' '))
    t.match(io.errText(), /^usage:\n {2}station sim press/)
  }
  t.strictSame(calls, [])
})

t.test('sim exits 1 with the station’s reason when the command fails', async (t) => {
  const { dataDir } = await stationWith(t, {
    'sim.printer': () => {
      throw new StationError('E_CONTROL_REQUEST', "unknown printer state 'jammed'")
    },
  })
  const refused = captureIo()
  t.equal(await simCommand(controlSocketPath(dataDir), ['printer', 'jammed'], false, refused), 1)
  t.equal(refused.errText(), "station sim printer: unknown printer state 'jammed'")

  const notSimulated = captureIo()
  t.equal(await simCommand(controlSocketPath(dataDir), ['screen'], false, notSimulated), 1, 'a station without sim commands')
  t.match(notSimulated.errText(), /unknown command 'sim.screen'/)
})

t.test('sim exits 1 when no station is running', async (t) => {
  const io = captureIo()
  t.equal(await simCommand(testDir(t), ['press', 'ok'], false, io), 1)
  t.match(io.errText(), /^station sim press: no station is running/)
})

t.test('sim tamper, unplug, replug and i2c-noise pass the device or state along', async (t) => {
  const { dataDir, calls } = await stationWith(t, {
    'sim.tamper': () => null,
    'sim.unplug': () => null,
    'sim.replug': () => null,
    'sim.i2c-noise': () => null,
  })
  const socket = controlSocketPath(dataDir)
  t.equal(await simCommand(socket, ['tamper', 'open'], false, captureIo()), 0)
  t.equal(await simCommand(socket, ['unplug', 'nfc'], false, captureIo()), 0)
  t.equal(await simCommand(socket, ['replug', 'nfc'], false, captureIo()), 0)
  t.equal(await simCommand(socket, ['i2c-noise', 'nfc', '20'], false, captureIo()), 0)
  t.equal(await simCommand(socket, ['tamper'], false, captureIo()), 2, 'tamper needs a state')
  t.strictSame(calls, [
    ['sim.tamper', { state: 'open' }],
    ['sim.unplug', { device: 'nfc' }],
    ['sim.replug', { device: 'nfc' }],
    ['sim.i2c-noise', { device: 'nfc', transactions: 20 }],
  ])
})

t.test('maintenance on|off asks the station and says what it answered', async (t) => {
  let enclosureOpen = false
  const { dataDir, calls } = await stationWith(t, {
    maintenance: (args) => {
      if (args.on === false && enclosureOpen) throw new StationError('E_CONTROL_REQUEST', 'the enclosure is open (tamper switch)')
      return { on: args.on, reason: args.on ? 'technician' : null }
    },
  })
  const socket = controlSocketPath(dataDir)
  const on = captureIo()
  t.equal(await maintenanceCommand(socket, ['on'], false, on), 0)
  t.equal(on.outText(), 'maintenance on (technician)')
  const off = captureIo()
  t.equal(await maintenanceCommand(socket, ['off'], true, off), 0)
  t.strictSame(JSON.parse(off.outText()), { on: false, reason: null })
  t.strictSame(calls, [
    ['maintenance', { on: true }],
    ['maintenance', { on: false }],
  ])

  enclosureOpen = true
  const refused = captureIo()
  t.equal(await maintenanceCommand(socket, ['off'], false, refused), 1)
  t.equal(refused.errText(), 'station maintenance: the enclosure is open (tamper switch)')
  for (const args of [[], ['maybe'], ['on', 'now']]) {
    const io = captureIo()
    t.equal(await maintenanceCommand(socket, args, false, io), 2, args.join(' '))
    t.equal(io.errText(), 'usage: station maintenance <on|off>')
  }
})
