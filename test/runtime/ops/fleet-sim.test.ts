import t from 'tap'
import { systemClock } from '../../../runtime/core/clock.js'
import { createSilentLogger } from '../../../runtime/log.js'
import { findMosquitto } from '../../../runtime/mqtt/broker-discovery.js'
import { fleetSimCommand, type FleetSimIo } from '../../../runtime/ops/fleet-sim-command.js'
import { FLEET_SIM_DEFAULTS, formatFleetSimReport, runFleetSim } from '../../../runtime/ops/fleet-sim.js'

const SEARCH_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin'

t.test('20 stations through a broker restart: every accepted submission reaches central', async (t) => {
  const binary = await findMosquitto({ searchPath: SEARCH_PATH })
  if (binary === null) throw new Error('mosquitto is not installed')
  const progress: string[] = []
  const report = await runFleetSim({
    ...FLEET_SIM_DEFAULTS,
    stations: 20,
    mosquittoBinary: binary,
    ratePerMin: 30,
    durationS: 10,
    restartBrokerEveryS: 5,
    drainTimeoutS: 20,
    telemetryIntervalS: 2,
    connectSpreadS: 1,
    reconnectSpreadMs: 1000,
    clock: systemClock,
    log: createSilentLogger(),
    random: Math.random,
    progress: (line) => progress.push(line),
    resources: () => ({ rssBytes: process.memoryUsage.rss(), cpuMs: process.cpuUsage().user / 1000 }),
  })
  t.equal(report.stations, 20)
  t.equal(report.brokerRestarts, 1)
  t.ok(report.accepted >= 40, `procedures ran (${report.accepted} submissions)`)
  t.equal(report.lost, 0, `nothing lost: ${formatFleetSimReport(report)}`)
  t.equal(report.received, report.accepted)
  t.equal(report.outboxLeft, 0)
  t.ok(report.reconnects >= 20, `every station reconnected after the restart (${report.reconnects})`)
  t.ok(report.peakConnectsPerS >= 1 && report.peakConnectsPerS <= 40)
  t.ok(report.drainedInS !== null)
  t.ok(report.peakRssBytes !== null && report.peakRssBytes > 0)
  t.ok(progress.some((line) => line === 'restarting the broker'))
  t.match(formatFleetSimReport(report), /lost \(accepted, never received\):\s+0/)
})

t.test('40 stations with a 3 s reconnect spread: after a broker restart all return under the ceiling, each submission at central once', async (t) => {
  const binary = await findMosquitto({ searchPath: SEARCH_PATH })
  if (binary === null) throw new Error('mosquitto is not installed')
  const stations = 40
  const spreadMs = 3000
  const report = await runFleetSim({
    ...FLEET_SIM_DEFAULTS,
    stations,
    mosquittoBinary: binary,
    ratePerMin: 30,
    durationS: 9,
    restartBrokerEveryS: 5,
    drainTimeoutS: 20,
    telemetryIntervalS: 2,
    connectSpreadS: 2,
    reconnectSpreadMs: spreadMs,
    clock: systemClock,
    log: createSilentLogger(),
    random: Math.random,
    resources: () => ({ rssBytes: process.memoryUsage.rss(), cpuMs: process.cpuUsage().user / 1000 }),
  })
  // Each station's return lands in a given second with p = 1 s / spread: mean + 4 standard deviations.
  const p = 1000 / spreadMs
  const ceiling = Math.ceil(stations * p + 4 * Math.sqrt(stations * p * (1 - p)))
  t.equal(report.brokerRestarts, 1)
  t.ok(report.reconnects >= stations, `every station reconnected (${report.reconnects})`)
  t.ok(report.peakReconnectsPerS <= ceiling, `peak ${report.peakReconnectsPerS} reconnects/s, ceiling ${ceiling} (without the spread all ${stations} come back within a second)`)
  t.equal(report.lost, 0, `nothing lost: ${formatFleetSimReport(report)}`)
  t.equal(report.received, report.accepted, 'every accepted submission at central exactly once after de-duplication by id')
  t.equal(report.outboxLeft, 0)
})

t.test('fleet-sim arguments are checked before anything starts', async (t) => {
  const err: string[] = []
  const io: FleetSimIo = {
    out: () => undefined,
    err: (text) => err.push(text),
    resources: () => ({ rssBytes: 0, cpuMs: 0 }),
    log: createSilentLogger(),
  }
  t.equal(await fleetSimCommand({}, io), 2)
  t.match(err.pop(), /--stations is required/)
  t.equal(await fleetSimCommand({ stations: '2.5' }, io), 2)
  t.match(err.pop(), /--stations must be a positive whole number \(got 2.5\)/)
  t.equal(await fleetSimCommand({ stations: '5', 'rate-per-min': '-1' }, io), 2)
  t.match(err.pop(), /--rate-per-min must be a positive number/)
  t.equal(await fleetSimCommand({ stations: '5', broker: 'mqtt://x', 'restart-broker-every-s': '10' }, io), 2)
  t.match(err.pop(), /restarts the private broker/)
})
