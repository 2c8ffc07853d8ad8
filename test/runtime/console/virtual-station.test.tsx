import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { render } from 'ink-testing-library'
import t, { type Test } from 'tap'
import { BAD_CCCD_QR, SAMPLE_CCCD_QRS } from '../../../runtime/console/sample-cards.js'
import { keyFor, startVirtualStation, VirtualStation } from '../../../runtime/console/virtual-station.js'
import type { RunningStation } from '../../../runtime/station.js'
import { StationError } from '../../../runtime/core/errors.js'
import { decodeWiegand } from '../../../drivers/wiegand/wiegand-codec.js'
import { identityFromCard } from '../../../runtime/kiosk/identity-from-card.js'
import type { StatusReport } from '../../../runtime/status-report.js'
import { waitUntil } from '../../support/wait-until.js'
import { testDir } from '../../support/test-dir.js'

const POLLED = new Set(['sim.screen', 'sim.receipt', 'status'])

const STATUS: StatusReport = {
  ready: true,
  station: 'lobby-test',
  version: '0.0.0-test',
  bootId: 'boot',
  bootCount: 1,
  simulated: true,
  phase: 'welcome',
  maintenance: { on: false, reason: null, enclosureOpen: false },
  step: null,
  session: { phase: 'welcome', residentPresent: false, flow: null, step: null, elapsedS: null },
  outbox: { depth: 2, oldestAgeS: 5 },
  link: { configured: false, connected: false, broker: null },
  devices: {},
  flows: [{ id: 'security-feedback', version: 1 }],
}

/** Stands in for the control socket: records what the console sends, answers with canned screens. */
function fakeStation(options: { fail?: (cmd: string) => Error | undefined; receipt?: string[] } = {}) {
  const sent: Array<{ cmd: string; args: Record<string, unknown> }> = []
  let status = STATUS
  const request = async (cmd: string, args: Record<string, unknown> = {}): Promise<unknown> => {
    const failure = options.fail?.(cmd)
    if (failure) throw failure
    if (!POLLED.has(cmd)) sent.push({ cmd, args })
    switch (cmd) {
      case 'sim.screen':
        return { rows: ['Xin chao / Welcome', 'Quet CCCD hoac chon', '1 Tieng Viet', '2 English'], backlight: true }
      case 'sim.receipt':
        return { lines: options.receipt ?? ['PHAN ANH AN NINH TRAT TU', 'Ma tra cuu', 'AB12-CD34'], count: 1 }
      case 'status':
        return status
      default:
        return { ok: true }
    }
  }
  return {
    request,
    sent,
    setStatus(next: StatusReport) {
      status = next
    },
  }
}

/** ink attaches useInput in an effect and re-renders on a poll; give both a moment (docs/toolchain.md 1). */
const settle = (ms = 40) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits (up to 3 s) until `ready` holds; ink renders at its own pace, slowest on the first frames. */
async function until(ready: () => boolean, what: string): Promise<void> {
  await waitUntil(what, ready, 3000, 10)
}

/** Renders the console and waits for the first poll to reach the screen. */
async function show(station: ReturnType<typeof fakeStation>, onQuit: () => void = () => {}) {
  const view = render(<VirtualStation request={station.request} onQuit={onQuit} pollIntervalMs={20} />)
  const frame = () => view.lastFrame() ?? ''
  await until(() => /Xin chao|no station/.test(frame()), 'the first poll on screen')
  await settle()
  return { view, frame }
}

t.test('shows the display rows, the printer roll and the station status', async (t) => {
  const station = fakeStation()
  const { view, frame } = await show(station)
  t.teardown(() => view.unmount())
  t.match(frame(), /citizen-station · lobby-test · simulated/)
  for (const row of ['Xin chao / Welcome', 'Quet CCCD hoac chon', '1 Tieng Viet', '2 English']) t.match(frame(), row)
  t.match(frame(), /PHAN ANH AN NINH TRAT TU/)
  t.match(frame(), /AB12-CD34/)
  t.match(frame(), /none: offline, submissions queued/)
  t.match(frame(), /outbox: 2 waiting/)
  t.match(frame(), /screen: welcome/)

  station.setStatus({ ...STATUS, phase: 'menu', outbox: { depth: 0, oldestAgeS: null }, link: { configured: true, connected: true, broker: 'mqtt://x' } })
  await until(() => /screen: menu/.test(frame()), 'the next poll')
  t.match(frame(), /broker: connected/, 'the poll picks up changes')
  t.match(frame(), /outbox: 0 waiting/)
})

/** Types each input and waits until the console has sent `expected` commands in all. */
async function type(view: { stdin: { write(data: string): void } }, station: ReturnType<typeof fakeStation>, inputs: string[], expected: number) {
  for (const input of inputs) {
    view.stdin.write(input)
    await settle(5)
  }
  await until(() => station.sent.length >= expected, `${expected} commands`)
  await settle()
}

t.test('keys become keypad presses: digits, Enter for ok, Backspace and Esc for back', async (t) => {
  const station = fakeStation()
  const { view, frame } = await show(station)
  t.teardown(() => view.unmount())
  await type(view, station, ['1', '0', '9', '\r', '\x7f', '\x1b', 'z'], 6)
  t.same(station.sent, [
    { cmd: 'sim.press', args: { key: '1' } },
    { cmd: 'sim.press', args: { key: '0' } },
    { cmd: 'sim.press', args: { key: '9' } },
    { cmd: 'sim.press', args: { key: 'ok' } },
    { cmd: 'sim.press', args: { key: 'back' } },
    { cmd: 'sim.press', args: { key: 'back' } },
  ])
  await until(() => /pressed back/.test(frame()), 'the note')
  t.pass('the last action is noted under the display')
})

t.test('a burst of keys in one chunk is pressed key by key, in order, one press at a time', async (t) => {
  const station = fakeStation()
  let inFlight = 0
  let most = 0
  const slow = async (cmd: string, args: Record<string, unknown> = {}) => {
    if (cmd !== 'sim.press') return station.request(cmd, args)
    inFlight += 1
    most = Math.max(most, inFlight)
    await settle(5)
    inFlight -= 1
    return station.request(cmd, args)
  }
  const view = render(<VirtualStation request={slow} onQuit={() => {}} pollIntervalMs={20} />)
  t.teardown(() => view.unmount())
  await until(() => /Xin chao/.test(view.lastFrame() ?? ''), 'the first poll on screen')
  await settle()
  // What a terminal hands over for `tmux send-keys 0912` or a fast typist: one chunk.
  view.stdin.write('0912\r')
  await until(() => station.sent.length >= 5, '5 presses')
  t.same(
    station.sent.map((sent) => sent.args.key),
    ['0', '9', '1', '2', 'ok'],
  )
  t.equal(most, 1, 'the next press waits for the one before')
})

t.test('q inside a burst quits and drops what follows', async (t) => {
  const station = fakeStation()
  let quits = 0
  const { view } = await show(station, () => quits++)
  t.teardown(() => view.unmount())
  view.stdin.write('1q2')
  await until(() => quits > 0, 'the quit')
  await settle()
  t.same(station.sent, [{ cmd: 'sim.press', args: { key: '1' } }])
})

t.test('c presents the sample cards in turn, x a bad one, p takes the paper out and puts it back', async (t) => {
  const station = fakeStation()
  const { view, frame } = await show(station)
  t.teardown(() => view.unmount())
  await type(view, station, ['c', 'c', 'x'], 3)
  t.same(station.sent, [
    { cmd: 'sim.card', args: { kind: 'cccd', text: SAMPLE_CCCD_QRS[0] } },
    { cmd: 'sim.card', args: { kind: 'cccd', text: SAMPLE_CCCD_QRS[1] } },
    { cmd: 'sim.card', args: { kind: 'cccd', text: BAD_CCCD_QR } },
  ])
  await until(() => /invalid CCCD presented/.test(frame()), 'the note')

  station.sent.length = 0
  await type(view, station, ['p'], 1)
  await until(() => /Printer roll \(paper out\)/.test(frame()), 'the paper-out mark')
  await type(view, station, ['p'], 2)
  await until(() => !/paper out\)/.test(frame()), 'the paper-out mark to go')
  t.same(station.sent, [
    { cmd: 'sim.printer', args: { state: 'paper-out' } },
    { cmd: 'sim.printer', args: { state: 'paper-ok' } },
  ])
})

t.test('w presents a Wiegand card that decodes, t opens and closes the enclosure, m leaves maintenance', async (t) => {
  const station = fakeStation()
  const { view, frame } = await show(station)
  t.teardown(() => view.unmount())
  await type(view, station, ['w', 't', 't', 'm'], 4)
  t.equal(station.sent[0]?.cmd, 'sim.card')
  t.equal(station.sent[0]?.args.kind, 'wiegand')
  t.same(decodeWiegand(String(station.sent[0]?.args.text)), { bits: 26, facility: 123, card: 4567, raw_hex: '7B11D7' }, 'a valid 26-bit frame')
  t.same(station.sent.slice(1), [
    { cmd: 'sim.tamper', args: { state: 'open' } },
    { cmd: 'sim.tamper', args: { state: 'closed' } },
    { cmd: 'maintenance', args: { on: false } },
  ])
  station.setStatus({ ...STATUS, phase: 'maintenance', maintenance: { on: true, reason: 'tamper', enclosureOpen: true } })
  // The status line wraps at the test terminal's width: compare with line breaks folded.
  const folded = () => frame().replace(/\s+/g, ' ')
  await until(() => /maintenance \(tamper\)/.test(folded()) && /ENCLOSURE OPEN/.test(folded()), 'the maintenance mark')
})

t.test('q and Ctrl+C quit without acting on the station', async (t) => {
  for (const input of ['q', '\x03']) {
    const station = fakeStation()
    let quits = 0
    const { view } = await show(station, () => quits++)
    t.teardown(() => view.unmount())
    view.stdin.write(input)
    await until(() => quits > 0, `${JSON.stringify(input)} to quit`)
    await settle()
    t.equal(quits, 1, `${JSON.stringify(input)} quits`)
    t.same(station.sent, [], 'no command was sent')
  }
})

t.test('a refused command and a failing poll show their message', async (t) => {
  const station = fakeStation({
    fail: (cmd) => (cmd === 'sim.press' ? new StationError('E_CONTROL_REQUEST', 'no electrode is wired to key 5') : undefined),
  })
  const { view, frame } = await show(station)
  t.teardown(() => view.unmount())
  view.stdin.write('5')
  await until(() => /no electrode is wired to key 5/.test(frame()), 'the refusal on screen')
  t.pass('the refusal is shown')

  const down = fakeStation({ fail: (cmd) => (cmd === 'status' ? new StationError('E_CONTROL_REQUEST', 'no station is running') : undefined) })
  const offline = await show(down)
  t.teardown(() => offline.view.unmount())
  t.match(offline.frame(), /no station is running/)
  t.match(offline.frame(), /nothing printed yet/, 'nothing from a failed poll is shown')
})

t.test('keyFor maps terminal keys to keypad keys', async (t) => {
  t.equal(keyFor('', { return: true }), 'ok')
  t.equal(keyFor('', { backspace: true }), 'back')
  t.equal(keyFor('', { delete: true }), 'back')
  t.equal(keyFor('', { escape: true }), 'back')
  for (const digit of ['0', '1', '5', '9']) t.equal(keyFor(digit, {}), digit)
  for (const other of ['a', 'c', 'q', '10', ' ', '']) t.equal(keyFor(other, {}), null, JSON.stringify(other))
})

t.test('the sample cards pass every CCCD check and the bad one is refused', async (t) => {
  const today = new Date(Date.UTC(2026, 0, 1))
  t.ok(SAMPLE_CCCD_QRS.length >= 2)
  for (const qr of SAMPLE_CCCD_QRS) t.equal(identityFromCard({ kind: 'cccd', text: qr }, today).ok, true)
  t.equal(identityFromCard({ kind: 'cccd', text: BAD_CCCD_QR }, today).ok, false)
})

/** A receipt longer than any terminal's roll: 40 lines of 32 characters, numbered. */
const LONG_RECEIPT = Array.from({ length: 40 }, (_, index) => `receipt line ${String(index + 1).padStart(2, '0')}`.padEnd(32, '.'))

const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '')

/** Checks a frame fits `columns` x `rows` (one row spare) and shows the header once. */
function checkFits(t: Test, frame: string, columns: number, rows: number, what: string) {
  const lines = stripAnsi(frame).split('\n')
  const widest = Math.max(...lines.map((line) => [...line].length))
  t.ok(widest <= columns, `${what}: widest line ${widest} <= ${columns}`)
  t.ok(lines.length <= rows - 1, `${what}: ${lines.length} lines < ${rows}`)
  t.equal(frame.match(/citizen-station ·/g)?.length, 1, `${what}: the header once`)
}

const MAINTENANCE: StatusReport = {
  ...STATUS,
  phase: 'maintenance',
  maintenance: { on: true, reason: 'tamper', enclosureOpen: true },
  link: { configured: true, connected: false, broker: 'mqtt://x' },
}

t.test('the frame fits 80x24 and 120x24 with a long receipt, a note and every status mark', async (t) => {
  for (const columns of [80, 120]) {
    const station = fakeStation({ receipt: LONG_RECEIPT })
    station.setStatus(MAINTENANCE)
    const view = render(<VirtualStation request={station.request} onQuit={() => {}} pollIntervalMs={20} columns={columns} rows={24} />)
    t.teardown(() => view.unmount())
    const frame = () => view.lastFrame() ?? ''
    await until(() => /receipt line 40/.test(frame()), 'the receipt on screen')
    view.stdin.write('x')
    await until(() => /invalid CCCD presented/.test(frame()), 'the note')
    checkFits(t, frame(), columns, 24, `${columns}x24`)
    t.match(frame(), /ENCLOSURE OPEN/)
    t.match(frame(), /maintenance \(tamper\)/)
    t.match(frame(), /↑ \d+ more/, 'the roll says what is cut off above')
    t.notMatch(frame(), /receipt line 01/, 'the top of a long receipt is scrolled away')
    // Side by side: the display's top border and the roll's share a line.
    t.match(frame(), /╭─+╮ +┌─+┐/, 'the roll beside the display')
  }
})

t.test('a narrow terminal stacks the roll under the display; arrows scroll the roll', async (t) => {
  const station = fakeStation({ receipt: LONG_RECEIPT })
  const view = render(<VirtualStation request={station.request} onQuit={() => {}} pollIntervalMs={20} columns={60} rows={30} />)
  t.teardown(() => view.unmount())
  const frame = () => view.lastFrame() ?? ''
  await until(() => /receipt line 40/.test(frame()), 'the receipt on screen')
  checkFits(t, frame(), 60, 30, '60x30')
  t.notMatch(frame(), /╮ +┌/, 'the roll is not beside the display')
  t.ok(frame().indexOf('Printer roll') > frame().indexOf('╰'), 'the roll comes after the display box')
  const ARROW_UP = '\x1b[A'
  const ARROW_DOWN = '\x1b[B'
  for (let index = 0; index < 60; index++) view.stdin.write(ARROW_UP)
  await until(() => /receipt line 01/.test(frame()), 'the top of the receipt')
  t.match(frame(), /↓ \d+ more/)
  t.same(station.sent, [], 'scrolling sends nothing to the station')
  view.stdin.write(ARROW_DOWN)
  await until(() => !/receipt line 01/.test(frame()), 'one line down')
  checkFits(t, frame(), 60, 30, '60x30 scrolled')
})

t.test('a new size lays the frame out again', async (t) => {
  const station = fakeStation({ receipt: LONG_RECEIPT })
  const props = { request: station.request, onQuit: () => {}, pollIntervalMs: 20 }
  const view = render(<VirtualStation {...props} columns={120} rows={40} />)
  t.teardown(() => view.unmount())
  const frame = () => view.lastFrame() ?? ''
  await until(() => /receipt line 40/.test(frame()), 'the receipt on screen')
  checkFits(t, frame(), 120, 40, '120x40')
  view.rerender(<VirtualStation {...props} columns={80} rows={24} />)
  await until(() => stripAnsi(frame()).split('\n').length <= 23, 'the shorter frame')
  checkFits(t, frame(), 80, 24, 'resized to 80x24')
})

/** A terminal as ink sees it: size, resize events, what was written; keys typed on stdin. */
class FakeTerminalOut extends EventEmitter {
  isTTY = true
  columns = 80
  rows = 24
  written: string[] = []
  write(chunk: string) {
    this.written.push(chunk)
    return true
  }
}
class FakeTerminalIn extends EventEmitter {
  isTTY = true
  data: string | null = null
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read() {
    const data = this.data
    this.data = null
    return data
  }
  type(text: string) {
    this.data = text
    this.emit('readable')
  }
}

t.test('startVirtualStation lays out at the terminal size, again on resize, and q quits', async (t) => {
  const stdout = new FakeTerminalOut()
  const stdin = new FakeTerminalIn()
  let quits = 0
  // No station listens on this socket: the console says so and keeps going.
  const station = { socketPath: join(testDir(t, {}), 'none.sock') } as unknown as RunningStation
  startVirtualStation({ station, stdin: stdin as unknown as NodeJS.ReadStream, stdout: stdout as unknown as NodeJS.WriteStream, onQuit: () => quits++ })
  const all = () => stripAnsi(stdout.written.join(''))
  await until(() => /ENOENT|no station|connect/.test(all()), 'the refused poll on screen')
  t.match(all(), /╮ +┌/, 'at 80 columns the roll is beside the display')
  const before = stdout.written.length
  stdout.columns = 60
  stdout.rows = 30
  stdout.emit('resize')
  await until(() => stdout.written.slice(before).some((chunk) => /╰─+╯\n.*Printer roll/s.test(stripAnsi(chunk))), 'the stacked frame')
  t.ok(stdout.written.slice(before).includes('\x1b[2J\x1b[H'), 'a resize starts from a clean screen')
  stdin.type('q')
  await until(() => quits > 0, 'the quit')
  t.equal(quits, 1)
})

t.test('r draws the last receipt QR full screen, dark on light; any key goes back without pressing it', async (t) => {
  const station = fakeStation({ receipt: ['PHIEU', '[QR] CS-7K2Q-9M', 'AB12-CD34'] })
  const { view, frame } = await show(station)
  t.teardown(() => view.unmount())
  view.stdin.write('r')
  await until(() => /Receipt QR · any key: back/.test(frame()), 'the QR view')
  t.match(frame(), /[█▀▄]/, 'the symbol is drawn in blocks')
  t.notMatch(frame(), /Xin chao/, 'full screen')
  view.stdin.write('1')
  await until(() => /Xin chao/.test(frame()), 'back to the station')
  t.same(station.sent, [], 'the key that closed the view pressed nothing')

  const without = fakeStation({ receipt: ['no qr'] })
  const second = await show(without)
  t.teardown(() => second.view.unmount())
  second.view.stdin.write('r')
  await until(() => /no QR on the last receipt/.test(second.frame()), 'the note')
})
