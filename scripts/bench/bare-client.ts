/**
 * The footprint reference (docs/benchmarks.md): a bare MQTT.js client, nothing else.
 * `publish-once <url>`: connect, publish one QoS 1 message, disconnect, exit (spawn-to-ready's reference).
 * `idle <url>`: connect, print `ready`, stay connected until SIGTERM (idle CPU's reference).
 */
import { connectAsync } from 'mqtt'

const [mode, url] = process.argv.slice(2)
if ((mode !== 'publish-once' && mode !== 'idle') || !url) {
  console.error('usage: node bare-client.js publish-once|idle <url>')
  process.exit(64)
}
// Keepalive 30 s as the station's config: the same PINGREQ traffic while idle.
const client = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, keepalive: 30 })
if (mode === 'publish-once') {
  await client.publishAsync('bench/bare/ready', 'ready', { qos: 1 })
  await client.endAsync()
} else {
  console.log('ready')
  process.once('SIGTERM', () => void client.endAsync().then(() => process.exit(0)))
}
