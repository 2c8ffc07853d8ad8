import { join } from 'node:path'
import { render } from 'ink-testing-library'
import t, { type Test } from 'tap'
import { controlRequest } from '../../../runtime/control/control-client.js'
import { ControlServer, type ControlHandler } from '../../../runtime/control/control-server.js'
import { controlSocketPath } from '../../../runtime/control/socket-path.js'
import { createSilentLogger } from '../../../runtime/log.js'
import { ACTIONS, restartDevice, restartQuestion } from '../../../runtime/tui/tui-actions.js'
import { TuiApp } from '../../../runtime/tui/tui-app.js'
import { HELP_LINE, fit, formatDuration, plainText, tuiScreen } from '../../../runtime/tui/tui-screen.js'
import type { TuiSnapshot } from '../../../runtime/tui/tui-snapshot.js'
import { waitUntil } from '../../support/wait-until.js'
import { testDir } from '../../support/test-dir.js'

const NOW = Date.parse('2026-12-03T10:00:00.000Z')

function snapshot(overrides: Partial<TuiSnapshot> = {}): TuiSnapshot {
  const counters = { reads: 3, prints: 0, retries: 1, faults: 2 }
  return {
    station: 'hcm-q1-lobby-01',
    version: '0.1.0',
    ready: true,
    simulated: true,
    nowMs: NOW,
    maintenance: { on: false, reason: null, enclosureOpen: false },
    devices: [
      { name: 'display', state: 'ok', lastError: null, lastErrorCode: null, counters },
      { name: 'keypad', state: 'faulty', lastError: 'keypad did not answer 5 polls in a row on the I2C bus at 0x5a', lastErrorCode: 'E_DEVICE_TIMEOUT', counters },
      { name: 'scanner', state: 'absent', lastError: 'no scanner on /dev/ttyUSB0', lastErrorCode: 'E_DEVICE_ABSENT', counters },
      {
        name: 'printer',
        state: 'degraded',
        lastError: 'paper out',
        lastErrorCode: 'E_PRINTER_NOT_READY',
        counters: { reads: 0, prints: 12, retries: 0, faults: 1 },
        printer: { paper: 'out', cover: 'closed', online: true },
      },
      { name: 'nfc', state: 'ok', lastError: null, lastErrorCode: null, counters },
    ],
    link: {
      configured: true,
      connected: true,
      broker: 'mqtts://broker.example.vn:8883',
      connectedSinceMs: NOW - 3_725_000,
      lastPublishMs: NOW - 2000,
      reconnects: 4,
      tls: { subject: 'CN=hcm-q1-lobby-01', validTo: '2027-06-30' },
      lastError: null,
    },
    outbox: { depth: 3, oldestAgeS: 95, deliveredToday: 41, lastError: null },
    session: { phase: 'welcome', residentPresent: false, flow: null, step: null, elapsedS: null },
    test: null,
    events: Array.from({ length: 20 }, (_, index) => ({ atMs: NOW - (20 - index) * 1000, type: 'flow.completed', fields: { flow: 'feedback', outcome: 'completed' } })),
    log: Array.from({ length: 40 }, (_, index) => ({ atMs: NOW - (40 - index) * 1000, level: index % 7 === 0 ? 'warn' : 'info', text: `runtime.kiosk: session ended flow=feedback version=3 outcome=completed step=thanks line ${index}` })),
    ...overrides,
  }
}

const resident: Partial<TuiSnapshot> = {
  session: { phase: 'session', residentPresent: true, flow: 'pay-bill', step: 'confirm-amount', elapsedS: 65 },
}

/** A real control server whose commands are recorded, with the snapshot the test sets. */
async function fakeStation(t: Test, initial: TuiSnapshot) {
  const calls: Array<{ cmd: string; args: Record<string, unknown> }> = []
  const state = { snapshot: initial }
  const record = (cmd: string, result: unknown): ControlHandler => (args) => {
    calls.push({ cmd, args })
    return result
  }
  const handlers: Record<string, ControlHandler> = {
    'tui.snapshot': () => state.snapshot,
    'print.test': record('print.test', { printed: true, printer: { online: true, paperNearEnd: true, paperOut: false, coverOpen: false, error: false } }),
    'card.read': record('card.read', {}),
    'keys.test': record('keys.test', {}),
    'display.test': record('display.test', {}),
    'test.stop': record('test.stop', {}),
    maintenance: (args) => {
      calls.push({ cmd: 'maintenance', args })
      return { on: args.on, reason: args.on ? 'technician' : null }
    },
    'flows.reload': record('flows.reload', { flows: [{ id: 'feedback', version: 3 }], errors: 1 }),
    'outbox.drain': () => {
      calls.push({ cmd: 'outbox.drain', args: {} })
      throw new Error('no broker is configured')
    },
    'device.restart': (args) => {
      calls.push({ cmd: 'device.restart', args })
      return { name: args.name, health: { state: 'ok' } }
    },
  }
  const path = controlSocketPath(join(testDir(t, {}), 'data'))
  const server = new ControlServer(path, handlers, createSilentLogger())
  await server.start({ signal: new AbortController().signal, fail: () => undefined })
  t.teardown(() => server.stop())
  const request = (cmd: string, args: Record<string, unknown> = {}) => controlRequest(path, cmd, args, 2000)
  return { calls, state, request, server }
}

const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms))
async function until(ready: () => boolean, what: string): Promise<void> {
  await waitUntil(what, ready, 3000, 10)
}

function checkFits(t: Test, frame: string, width: number, height: number) {
  const lines = frame.split('\n')
  t.ok(lines.length <= height - 1, `at most ${height - 1} lines (got ${lines.length})`)
  for (const line of lines) t.ok([...line].length <= width, `no line wider than ${width}: ${JSON.stringify(line)}`)
}

for (const [width, height] of [[80, 24], [120, 40], [60, 20]] as const) {
  t.test(`${width}x${height}: every panel, no line wider than the terminal`, async (t) => {
    const fake = await fakeStation(t, snapshot(resident))
    const app = render(<TuiApp request={fake.request} pollMs={20} width={width} height={height} />)
    t.teardown(() => app.unmount())
    const frame = () => app.lastFrame() ?? ''
    await until(() => frame().includes('DEVICE'), 'the first frame')
    checkFits(t, frame(), width, height)
    for (const panel of ['DEVICE', 'LINK', 'OUTBOX', 'SESSION', 'EVENTS', 'LOG']) t.match(frame(), panel)
    t.match(frame(), width >= 80 ? /keypad\s+faulty\s+3\s+0\s+1\s+2\s+E_DEVICE_TIMEOUT/ : /keypad\s+faulty\s+3\s+0\s+1\s+2\s+E_DEV/)
    t.match(frame(), width >= 80 ? /printer\s+degraded\s+0\s+12\s+0\s+1\s+paper out, cover closed/ : /printer\s+degraded\s+0\s+12\s+0\s+1\s+paper out/)
    t.match(frame(), /SESSION resident in pay-bill, step confirm-amount, 1m 05s/)
    if (width >= 80) t.match(frame(), HELP_LINE)
    if (width >= 120) t.match(frame(), /DEVICE.* EVENTS/, 'wide: events beside the devices')
  })
}

t.test('the screen follows a resize of stdout', async (t) => {
  const fake = await fakeStation(t, snapshot())
  const app = render(<TuiApp request={fake.request} initial={snapshot()} pollMs={20} />)
  t.teardown(() => app.unmount())
  const stdout = app.stdout as unknown as NodeJS.EventEmitter
  const resize = (columns: number, rows: number) => {
    Object.defineProperty(stdout, 'columns', { value: columns, configurable: true })
    Object.defineProperty(stdout, 'rows', { value: rows, configurable: true })
    stdout.emit('resize')
  }
  resize(120, 40)
  await until(() => /DEVICE.* EVENTS/.test(app.lastFrame() ?? ''), 'the wide layout')
  resize(70, 24)
  await until(() => /DEVICE/.test(app.lastFrame() ?? '') && !/DEVICE.* EVENTS/.test(app.lastFrame() ?? ''), 'the stacked layout')
  t.ok(app.frames.includes('\x1b[2J\x1b[H'), 'each resize clears the screen first')
  checkFits(t, app.lastFrame() ?? '', 70, 24)
})

t.test('keys: confirmation while a resident is served, at once otherwise', async (t) => {
  const fake = await fakeStation(t, snapshot(resident))
  let quit = 0
  const app = render(<TuiApp request={fake.request} pollMs={20} width={80} height={24} onQuit={() => quit++} />)
  t.teardown(() => app.unmount())
  const frame = () => app.lastFrame() ?? ''
  await until(() => frame().includes('pay-bill'), 'the first frame')
  await settle()
  const key = async (input: string) => {
    app.stdin.write(input)
    await settle(40)
  }
  await key('t')
  await until(() => /Print a test receipt now\? A resident is in pay-bill\. y\/n/.test(frame()), '/Print a test receipt now\\? A resident is in pay-bill\\. y\\/n/')
  await key('n')
  await until(() => /cancelled/.test(frame()), '/cancelled/')
  t.same(fake.calls, [], 'no receipt without a yes')
  await key('t')
  await key('y')
  await until(() => frame().includes('test receipt printed'), 'the print result')
  t.match(frame(), /test receipt printed: paper near end, cover closed/)

  await key('d')
  await key('\u001b')
  t.equal(fake.calls.filter((call) => call.cmd === 'display.test').length, 0, 'Esc answers no')

  await key('m')
  await until(() => /Enter maintenance \(no residents served\)\? A resident is in pay-bill\. y\/n/.test(frame()), '/Enter maintenance \\(no residents served\\)\\? A resident is in pay-bill\\. y\\/n/')
  await key('y')
  await until(() => frame().includes('maintenance on'), 'maintenance on')
  t.same(fake.calls.find((call) => call.cmd === 'maintenance')?.args, { on: true })

  await key('x')
  await until(() => /restart which device\? 1:display 2:keypad 3:scanner 4:printer 5:nfc/.test(frame()), '/restart which device\\? 1:display 2:keypad 3:scanner 4:printer 5:nfc/')
  await key('2')
  await until(() => /Restart keypad\? A resident is in pay-bill\. y\/n/.test(frame()), '/Restart keypad\\? A resident is in pay-bill\\. y\\/n/')
  await key('y')
  await until(() => frame().includes('keypad restarted: ok'), 'the restart result')
  t.same(fake.calls.find((call) => call.cmd === 'device.restart')?.args, { name: 'keypad' })
  await key('x')
  await key('\u001b')
  await until(() => /cancelled/.test(frame()), '/cancelled/')

  // Nobody at the station: the tests run at once; maintenance still asks.
  fake.state.snapshot = snapshot()
  await until(() => frame().includes('SESSION nobody'), 'the idle station')
  fake.calls.length = 0
  await key('c')
  await until(() => frame().includes('hold a card'), 'the card test')
  await key('k')
  await key('d')
  await key('r')
  await until(() => frame().includes('flows reloaded: feedback@3 (1 errors: see the log)'), 'the reload result')
  await key('o')
  await until(() => frame().includes('failed: no broker is configured'), 'the drain refusal')
  t.same(fake.calls.map((call) => call.cmd), ['card.read', 'keys.test', 'display.test', 'flows.reload', 'outbox.drain'])
  await key('m')
  await until(() => /Enter maintenance \(no residents served\)\? y\/n/.test(frame()), '/Enter maintenance \\(no residents served\\)\\? y\\/n/')
  await key('n')

  // A key test running: k ends it, Esc stops whatever test runs.
  fake.state.snapshot = snapshot({ test: { kind: 'keys', keys: ['1', 'ok', 'back'], endsInS: 12 } })
  await until(() => frame().includes('TEST    keys: 1 ok back (12 s'), 'the key test')
  fake.calls.length = 0
  await key('k')
  await key('\u001b')
  await until(() => fake.calls.length === 2, 'both calls')
  t.same(fake.calls, [{ cmd: 'keys.test', args: { on: false } }, { cmd: 'test.stop', args: {} }])
  await key('q')
  t.equal(quit, 1)
})

t.test('a station that stops answering is named, and the view comes back with it', async (t) => {
  const fake = await fakeStation(t, snapshot())
  const app = render(<TuiApp request={fake.request} pollMs={20} width={80} height={24} />)
  t.teardown(() => app.unmount())
  const frame = () => app.lastFrame() ?? ''
  await until(() => frame().includes('DEVICE'), 'the first frame')
  await fake.server.stop()
  await until(() => frame().includes('station not answering: no station is running'), 'the error')
  await fake.server.start({ signal: new AbortController().signal, fail: () => undefined })
  await until(() => frame().includes('hcm-q1-lobby-01 ready'), 'the station back')
})

t.test('the tests in progress and the plain text', async (t) => {
  const line = (test: TuiSnapshot['test']) => plainText(snapshot({ test })).split('\n').find((text) => text.startsWith('TEST')) ?? ''
  t.match(line({ kind: 'card', endsInS: 20, result: null }), /hold a card to a reader \(20 s/)
  t.match(line({ kind: 'card', endsInS: 20, result: { kind: 'cccd_qr', masked: '********0001' } }), /card: cccd_qr \*{8}0001/)
  t.match(line({ kind: 'card', endsInS: 20, result: { unreadable: 'checksum mismatch' } }), /not readable: checksum mismatch/)
  t.match(line({ kind: 'display', endsInS: 4 }), /test pattern on the screen \(4 s\)/)
  t.match(line({ kind: 'keys', endsInS: 4, keys: [] }), /press keys on the keypad/)
  const text = plainText(snapshot({ maintenance: { on: true, reason: 'tamper', enclosureOpen: true } }))
  t.match(text, /maintenance ON \(tamper\) · ENCLOSURE OPEN/)
  t.notMatch(text, /t:print/, 'no help line in the plain text')
  for (const row of text.split('\n')) t.ok([...row].length <= 80, row)
  const offline = plainText(snapshot({ link: { ...snapshot().link, configured: false, connected: false } }))
  t.match(offline, /LINK    none: offline/)
  const lost = plainText(snapshot({ link: { ...snapshot().link, connected: false, lastPublishMs: null, tls: null, lastError: 'connection refused' }, outbox: { depth: 1, oldestAgeS: null, deliveredToday: 0, lastError: 'central has not acknowledged' } }))
  t.match(lost, /LINK    DISCONNECTED mqtts:\/\/broker.example.vn:8883 · connection refused/)
  t.match(lost, /nothing published yet · 4 reconnects\n/)
  t.match(lost, /last error: central has not acknowledged/)
  t.match(plainText(snapshot({ session: { phase: 'menu', residentPresent: true, flow: null, step: null, elapsedS: null } })), /SESSION resident on the menu screen/)
  t.match(plainText(snapshot()), /since \d\d:\d\d:\d\d \(1h 02m\)/)
  t.equal(fit('abcdef', 4), 'abc…')
  t.equal(fit('abc', 0), '')
  t.equal(formatDuration(59.4), '59 s')
  const waiting = tuiScreen(null, { message: null, error: null }, 80, 24).map((row) => row.text)
  t.same(waiting.slice(0, 2), ['station tui', 'waiting for the station…'])
})

t.test('action result lines name what the station answered', async (t) => {
  const answers: Record<string, unknown> = {}
  const request = async (cmd: string) => answers[cmd]
  const run = (key: string, snap = snapshot()) => {
    const action = ACTIONS.find((candidate) => candidate.key === key)
    if (!action) throw new Error(`no action ${key}`)
    return action.run(request, snap)
  }
  answers['print.test'] = { printer: { online: false, paperNearEnd: false, paperOut: true, coverOpen: true, error: true } }
  t.equal(await run('t'), 'test receipt printed: paper out, cover open, printer error')
  answers['maintenance'] = { on: false }
  t.equal(await run('m', snapshot({ maintenance: { on: true, reason: 'technician', enclosureOpen: false } })), 'maintenance off: serving residents')
  t.equal(ACTIONS.find((action) => action.key === 'm')?.question(snapshot({ maintenance: { on: true, reason: 'technician', enclosureOpen: false } })), 'Leave maintenance and serve residents? y/n')
  answers['flows.reload'] = { flows: [], errors: 0 }
  t.equal(await run('r'), 'flows reloaded: none')
  answers['device.restart'] = { health: null }
  t.equal(await restartDevice(request, 'nfc'), 'nfc restarted: no health yet')
  answers['device.restart'] = { health: { state: 'faulty', lastError: 'no PN532 on the bus' } }
  t.equal(await restartDevice(request, 'nfc'), 'nfc restarted: faulty (no PN532 on the bus)')
  const menu = snapshot({ session: { phase: 'menu', residentPresent: true, flow: null, step: null, elapsedS: null } })
  t.equal(restartQuestion('printer', menu), 'Restart printer? A resident is at the station. y/n')
  t.equal(restartQuestion('printer', snapshot()), 'Restart printer? y/n')
})

t.test('Ctrl-C quits from any prompt; keys before the first snapshot do nothing', async (t) => {
  let answer: (value: unknown) => void = () => undefined
  const calls: string[] = []
  const request = (cmd: string) => {
    calls.push(cmd)
    return new Promise((resolve) => (answer = resolve))
  }
  let quit = 0
  const app = render(<TuiApp request={request} pollMs={10_000} width={80} height={24} onQuit={() => quit++} />)
  t.teardown(() => app.unmount())
  await until(() => (app.lastFrame() ?? '').includes('waiting for the station'), 'the waiting frame')
  await settle()
  app.stdin.write('t')
  app.stdin.write('\u001b')
  await settle()
  t.same(calls, ['tui.snapshot'], 'no action without a snapshot')
  answer(snapshot())
  await until(() => (app.lastFrame() ?? '').includes('DEVICE'), 'the snapshot')
  app.stdin.write('\u001b')
  await settle()
  app.stdin.write('m')
  await until(() => (app.lastFrame() ?? '').includes('y/n'), 'the question')
  app.stdin.write('\u0003')
  await until(() => quit === 1, 'quit')
})

t.test('short terminals drop the log, then the events, never exceed the height', async (t) => {
  const snap = snapshot({
    log: [
      { atMs: NOW, level: 'error', text: 'print failed' },
      { atMs: NOW, level: 'fatal', text: 'station failed to start' },
    ],
  })
  for (const height of [8, 12, 17, 18, 20]) {
    const lines = tuiScreen(snap, { message: null, error: null }, 80, height)
    t.ok(lines.length <= height - 1, `${height} rows: ${lines.length} lines`)
  }
  const roomy = tuiScreen(snap, { message: null, error: null }, 80, 30)
  t.same(roomy.filter((line) => line.tone === 'bad' && /print failed|failed to start/.test(line.text)).length, 2, 'errors in red')
  const tight = tuiScreen(snap, { message: null, error: null }, 80, 17).map((line) => line.text)
  t.notOk(tight.includes('LOG'), 'no room: no log')
  const wideShort = tuiScreen(snap, { message: 'done', error: null }, 140, 10)
  t.ok(wideShort.length <= 9)
  t.equal(wideShort.at(-2)?.text, 'done')
  const lost = tuiScreen(null, { message: null, error: 'station closed the connection' }, 80, 24)
  t.match(lost[0], { text: 'station not answering: station closed the connection', tone: 'bad' })
})
