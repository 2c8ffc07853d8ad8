import type { StatusReport } from './status-report.js'

const MQTT_LINK_SERVICE = 'mqtt-link'

/**
 * The one line `systemctl status` shows for the station (STATUS=, docs/deployment.md), e.g.
 * "ready: 3 devices ok, broker connected, outbox 0". Devices not ok are named with their state;
 * no personal data, as in `station status`.
 */
export function systemdStatusLine(report: StatusReport): string {
  // The MQTT link is a supervised service too; the line names it once, as the broker.
  const devices = Object.entries(report.devices).filter(([name]) => name !== MQTT_LINK_SERVICE)
  const notOk = devices.filter(([, health]) => health.state !== 'ok')
  const deviceText =
    notOk.length === 0
      ? `${devices.length} device${devices.length === 1 ? '' : 's'} ok`
      : `${devices.length - notOk.length} of ${devices.length} devices ok (${notOk.map(([name, health]) => `${name} ${health.state}`).join(', ')})`
  const brokerText = !report.link.configured ? 'no broker' : report.link.connected ? 'broker connected' : 'broker disconnected'
  const head = !report.ready ? 'starting' : report.maintenance.on ? `maintenance (${report.maintenance.reason ?? 'unknown'})` : 'ready'
  const enclosure = report.maintenance.enclosureOpen ? ', enclosure OPEN' : ''
  return `${head}: ${deviceText}, ${brokerText}, outbox ${report.outbox.depth}${enclosure}`
}
