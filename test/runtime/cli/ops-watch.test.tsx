import { render } from 'ink-testing-library'
import t from 'tap'
import { fit, fleetScreen, formatAge, rowsPerPage } from '../../../runtime/cli/fleet-table.js'
import { OpsWatch, type FleetView } from '../../../runtime/cli/ops-watch.js'
import { FleetModel, type FleetRow } from '../../../runtime/ops/fleet-model.js'
import { waitUntil } from '../../support/wait-until.js'

const NOW = Date.parse('2026-12-02T10:00:00.000Z')

/** A fleet of `count` stations built through the real model: every 10th offline, every 7th with a paper fault. */
function fleet(count: number): FleetRow[] {
  const model = new FleetModel('cs/v1')
  for (let index = 0; index < count; index++) {
    const id = `hcm-q1-station-${String(index).padStart(3, '0')}`
    const state = index % 10 === 0 ? 'offline' : 'online'
    const status = { state, ts: new Date(NOW - 30_000).toISOString(), version: '0.1.0', bootId: 'b', flows: [{ id: 'pay-bill', version: 2 }, { id: 'exam-booking', version: 1 }] }
    model.apply({ topic: `cs/v1/${id}/status`, payload: Buffer.from(JSON.stringify(status)), retain: true })
    const devices = index % 7 === 0 ? { printer: { state: 'degraded', lastError: 'paper out, please refill the roll' } } : {}
    const telemetry = { ts: new Date(NOW - 5000).toISOString(), devices, outbox: { depth: index % 5, oldestAgeS: index % 5 === 0 ? null : 65 }, link: { connected: true } }
    model.apply({ topic: `cs/v1/${id}/telemetry`, payload: Buffer.from(JSON.stringify(telemetry)), retain: false })
  }
  return model.rows(NOW)
}

/** ink attaches useInput in an effect; give it a moment before writing to stdin. */
const settle = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(ready: () => boolean, what: string): Promise<void> {
  await waitUntil(what, ready, 3000, 10)
}

t.test('200 stations on 80x24: one page that fits, trouble first, the rest counted', async (t) => {
  const rows = fleet(200)
  let view: FleetView = { rows, connected: true }
  let quit = 0
  const app = render(<OpsWatch view={() => view} broker="mqtt://127.0.0.1:1883" onQuit={() => quit++} refreshMs={20} width={80} height={24} />)
  t.teardown(() => app.unmount())
  const frame = () => app.lastFrame() ?? ''
  await until(() => frame().includes('of 200'), 'the first frame')
  const lines = frame().split('\n')
  t.ok(lines.length <= 23, `at most height-1 lines (got ${lines.length})`)
  for (const line of lines) t.ok([...line].length <= 80, `no line wider than 80: ${JSON.stringify(line)}`)
  t.match(lines[0], /^200 stations · 20 offline · \d+ faults/)
  t.match(lines[1], /^STATION\s+STATE\s+SEEN\s+OUTBOX\s+LINK\s+LOST\s+FLOWS\s+FAULTS/)
  t.match(lines[2], /^hcm-q1-station-000\s+OFFLINE/, 'offline stations come first')
  t.match(frame(), /1-20 of 200 · 180 more · page 1\/10 · n\/p page · q quit · mqtt:\/\/127.0.0.1:1883/)
  t.notMatch(frame(), /station-001 /, 'an ok station is not on the first page')

  await settle()
  app.stdin.write('n')
  await until(() => frame().includes('21-40 of 200'), 'page 2')
  t.match(frame(), /160 more · page 2\/10/)
  app.stdin.write('p')
  await until(() => frame().includes('1-20 of 200'), 'back to page 1')

  // The view refreshes from its source: a recovered fleet shows up without any key.
  view = { rows: rows.slice(0, 3), connected: false }
  await until(() => frame().includes('1-3 of 3'), 'the refreshed rows')
  t.match(frame(), /DISCONNECTED/)
  app.stdin.write('q')
  await until(() => quit === 1, 'quit')
})

t.test('the last page clamps when the fleet shrinks under it', async (t) => {
  const rows = fleet(60)
  let view: FleetView = { rows, connected: true }
  const app = render(<OpsWatch view={() => view} broker="b" onQuit={() => undefined} refreshMs={20} width={80} height={24} />)
  t.teardown(() => app.unmount())
  const frame = () => app.lastFrame() ?? ''
  await until(() => frame().includes('of 60'), 'first frame')
  await settle()
  for (let press = 0; press < 5; press++) {
    app.stdin.write('n')
    await settle(20)
  }
  await until(() => frame().includes('41-60 of 60'), 'the last page')
  view = { rows: rows.slice(0, 10), connected: true }
  await until(() => frame().includes('1-10 of 10'), 'clamped to the only page')
})

t.test('layout helpers: ages, cutting, narrow terminals', async (t) => {
  t.equal(formatAge(null), '-')
  t.equal(formatAge(59), '59s')
  t.equal(formatAge(125), '2m')
  t.equal(formatAge(7200), '2h')
  t.equal(formatAge(200_000), '2d')
  t.equal(fit('abcdef', 4), 'abc…')
  t.equal(fit('ab', 4), 'ab  ')
  t.equal(fit('x', 0), '')
  t.equal(rowsPerPage(3), 1, 'a tiny terminal still shows one row')
  const rows = fleet(5)
  for (const width of [40, 60, 80, 132]) {
    const screen = fleetScreen({ rows, width, height: 24, page: 0, broker: 'mqtts://broker.city.example:8883', connected: true })
    for (const line of screen.lines) t.ok([...line].length <= width, `width ${width}: ${JSON.stringify(line)}`)
  }
  const wide = fleetScreen({ rows, width: 132, height: 24, page: 9, broker: 'b', connected: true })
  t.equal(wide.page, 0, 'a page past the end is clamped')
  t.match(wide.lines.join('\n'), /printer: paper out, please refill the roll/, 'a wide terminal shows the whole fault')
  t.match(wide.lines.join('\n'), /pay-bill@2,exam-booking@1/)
  const empty = fleetScreen({ rows: [], width: 80, height: 24, page: 0, broker: 'b', connected: true })
  t.match(empty.lines.at(-1), /^0-0 of 0 · q quit · b$/)
})
