import t from 'tap'
import { defaultConfig } from '../../config/defaults.js'
import type { FlowDefinition } from '../../flows/engine/flow-types.js'
import type { ResidentView } from '../../runtime/kiosk/resident-view.js'
import type { MqttLink } from '../../runtime/mqtt/mqtt-link.js'
import type { Outbox } from '../../runtime/outbox/outbox-types.js'
import { formatStatus, outboxStorageReport, statusReport, withoutCredentials, type StatusInputs } from '../../runtime/status-report.js'

const NOW_MS = Date.UTC(2026, 0, 1, 12, 0, 0)

/** An outbox that only answers the two questions status asks. */
function fakeOutbox(depth: number, oldestCreatedAtMs: number | null): Outbox {
  return {
    append: async () => undefined,
    pendingFrom: () => [],
    read: async () => null,
    damage: () => ({ setAside: { undecryptable: 0, damaged: 0 }, damagedBytes: 0, damagedRegions: 0 }),
    storage: () => ({ state: 'ok' }),
    onSetAside: () => () => undefined,
    markDelivered: async () => undefined,
    depth: () => depth,
    oldestCreatedAtMs: () => oldestCreatedAtMs,
    onAppended: () => () => undefined,
    close: async () => undefined,
  }
}

function flow(id: string, version: number): FlowDefinition {
  return { id, version, title: { vi: id, en: id }, start: 'first', steps: new Map() }
}

// MqttLink is a class with a network behind it; status reads one getter.
const session: ResidentView = { phase: 'session', residentPresent: true, flow: 'security-feedback', step: 'topic', elapsedS: 12 }
const link = { isConnected: true } as unknown as MqttLink

function inputs(overrides: Partial<StatusInputs> = {}): StatusInputs {
  return {
    ready: true,
    config: defaultConfig('/var/lib/citizen-station', '/opt/citizen-station/flows'),
    version: '0.1.0',
    bootId: 'b00t',
    bootCount: 3,
    nowMs: NOW_MS,
    outbox: fakeOutbox(2, NOW_MS - 90_600),
    link,
    brokerUrl: 'mqtts://station-17:s3cret@central.example.vn:8883',
    health: { display: { state: 'ok' }, printer: { state: 'faulty', lastError: 'paper out' } },
    session,
    flows: [flow('security-feedback', 2)],
    maintenance: { on: false, reason: null, enclosureOpen: false },
    ...overrides,
  }
}

t.test('the report carries the station, outbox age, link and devices without the broker password', async (t) => {
  const report = statusReport(inputs())
  t.match(report, {
    ready: true,
    station: 'sim-station',
    version: '0.1.0',
    bootId: 'b00t',
    bootCount: 3,
    simulated: true,
    phase: 'session',
    step: { flow: 'security-feedback', step: 'topic' },
    outbox: { depth: 2, oldestAgeS: 91 },
    link: { configured: true, connected: true, broker: 'mqtts://central.example.vn:8883' },
    devices: { display: { state: 'ok' }, printer: { state: 'faulty', lastError: 'paper out' } },
    flows: [{ id: 'security-feedback', version: 2 }],
  })
  t.notMatch(JSON.stringify(report), /s3cret|station-17/)
})

t.test('an empty outbox has no age, and a clock behind the oldest record never gives a negative one', async (t) => {
  t.strictSame(statusReport(inputs({ outbox: fakeOutbox(0, null) })).outbox, { depth: 0, oldestAgeS: null })
  t.strictSame(statusReport(inputs({ outbox: fakeOutbox(1, NOW_MS + 5000) })).outbox, { depth: 1, oldestAgeS: 0 })
})

t.test('a station without a broker reports the link as not configured', async (t) => {
  t.strictSame(statusReport(inputs({ link: null, brokerUrl: null })).link, { configured: false, connected: false, broker: null })
})

t.test('withoutCredentials strips user and password and nothing else', async (t) => {
  t.equal(withoutCredentials('mqtt://user:secret@broker.local:1883'), 'mqtt://broker.local:1883')
  t.equal(withoutCredentials('mqtts://user@broker.local:8883/'), 'mqtts://broker.local:8883')
  t.equal(withoutCredentials('mqtt://127.0.0.1:1883'), 'mqtt://127.0.0.1:1883')
  t.equal(withoutCredentials('ws://u:p@central.example.vn/mqtt'), 'ws://central.example.vn/mqtt')
  t.equal(withoutCredentials('not a url at all'), '(invalid url)')
})

t.test('formatStatus lists the station, the screen, the outbox, the broker, every device and the flows', async (t) => {
  const text = formatStatus(statusReport(inputs()))
  const lines = text.split('\n')
  t.equal(lines[0], 'station sim-station ready (version 0.1.0, simulated)')
  t.equal(lines[1], 'resident screen: session (security-feedback / topic)')
  t.equal(lines[2], 'outbox: 2 waiting, oldest 91 s')
  t.equal(lines[3], 'broker: mqtts://central.example.vn:8883 connected')
  t.ok(lines.includes('devices:'))
  t.match(text, /^ {2}display +ok$/m)
  t.match(text, /^ {2}printer +faulty \(paper out\)$/m)
  t.equal(lines.at(-1), 'flows: security-feedback@2')
})

t.test('formatStatus says when the station is starting, offline and has no flows', async (t) => {
  const report = statusReport(
    inputs({
      ready: false,
      link: null,
      brokerUrl: null,
      outbox: fakeOutbox(0, null),
      flows: [],
      health: {},
      session: { phase: 'welcome', residentPresent: false, flow: null, step: null, elapsedS: null },
    }),
  )
  const text = formatStatus(report)
  t.match(text, /^station sim-station starting/)
  t.match(text, /^resident screen: welcome$/m)
  t.match(text, /^outbox: 0 waiting$/m)
  t.match(text, /^broker: none \(offline, submissions kept in the outbox\)$/m)
  t.match(text, /^flows: none$/m)
})

t.test('storage state and damage counts are in the report, and formatStatus shows them only when something is wrong', async (t) => {
  const damaged: Outbox = {
    ...fakeOutbox(2, null),
    damage: () => ({ setAside: { undecryptable: 1, damaged: 0 }, damagedBytes: 504, damagedRegions: 1 }),
  }
  const full = outboxStorageReport(damaged, { state: 'full', reason: 'disk-reserve' }, 30)
  const report = statusReport(inputs({ outbox: damaged, outboxStorage: full }))
  t.strictSame(report.outbox, {
    depth: 2,
    oldestAgeS: null,
    storage: { state: 'full', reason: 'disk-reserve' },
    damage: { setAside: { undecryptable: 1, damaged: 0 }, damagedBytes: 504, damagedRegions: 1, tornBytes: 30 },
  })
  const text = formatStatus(report)
  t.match(text, /storage: FULL \(disk-reserve\), new submissions refused/)
  t.match(text, /outbox set aside: 1 undecryptable, 0 damaged/)
  t.match(text, /outbox damage at start: 1 regions, 504 bytes, 30 bytes cut off the tail/)
  const clean = formatStatus(statusReport(inputs({ outboxStorage: outboxStorageReport(fakeOutbox(0, null), { state: 'ok' }, 0) })))
  t.notMatch(clean, /storage:|set aside|damage/)
})
