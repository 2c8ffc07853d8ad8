import t from 'tap'
import type { StatusReport } from '../../runtime/status-report.js'
import { systemdStatusLine } from '../../runtime/systemd-status.js'

function report(overrides: Partial<StatusReport> = {}): StatusReport {
  return {
    ready: true,
    station: 'hn-001',
    version: '0.1.0',
    bootId: 'b',
    bootCount: 1,
    simulated: true,
    phase: 'idle',
    maintenance: { on: false, reason: null, enclosureOpen: false },
    step: null,
    session: { phase: 'welcome', residentPresent: false, flow: null, step: null, elapsedS: null },
    outbox: { depth: 0, oldestAgeS: null },
    link: { configured: true, connected: true, broker: 'mqtts://broker:8883' },
    devices: { lcd: { state: 'ok' }, keypad: { state: 'ok' }, printer: { state: 'ok' }, 'mqtt-link': { state: 'ok' } },
    flows: [],
    ...overrides,
  }
}

t.test('a healthy station in one line, the MQTT link named once as the broker', async (t) => {
  t.equal(systemdStatusLine(report()), 'ready: 3 devices ok, broker connected, outbox 0')
})

t.test('trouble is named: devices not ok, broker down, queued submissions, maintenance', async (t) => {
  t.equal(
    systemdStatusLine(
      report({
        devices: { lcd: { state: 'ok' }, printer: { state: 'faulty' }, nfc: { state: 'absent' } },
        link: { configured: true, connected: false, broker: null },
        outbox: { depth: 4, oldestAgeS: 30 },
      }),
    ),
    'ready: 1 of 3 devices ok (printer faulty, nfc absent), broker disconnected, outbox 4',
  )
  t.equal(
    systemdStatusLine(
      report({
        maintenance: { on: true, reason: 'technician', enclosureOpen: true },
        devices: { lcd: { state: 'ok' } },
        link: { configured: false, connected: false, broker: null },
      }),
    ),
    'maintenance (technician): 1 device ok, no broker, outbox 0, enclosure OPEN',
  )
  t.equal(systemdStatusLine(report({ ready: false, maintenance: { on: true, reason: null, enclosureOpen: false } })), 'starting: 3 devices ok, broker connected, outbox 0')
  t.equal(systemdStatusLine(report({ maintenance: { on: true, reason: null, enclosureOpen: false } })), 'maintenance (unknown): 3 devices ok, broker connected, outbox 0')
})
