/**
 * Child process for the drain figure: the reference central acknowledging every submission with a
 * signed notify, plus a plain QoS 1 subscriber on the reference's topic, so the broker forwards
 * each message once for ours and once for the reference (docs/benchmarks.md). Running it here keeps
 * its signing off the station's CPU. argv: broker URL, topic prefix, reference topic filter; env
 * BENCH_CENTRAL_KEY: central's Ed25519 private key (PKCS#8 PEM). Prints `ready`; SIGTERM ends it.
 */
import { createPrivateKey } from 'node:crypto'
import { connectAsync } from 'mqtt'
import { systemClock } from '../../runtime/core/clock.js'
import { loadCentralFixtures } from '../../runtime/central/central-fixtures.js'
import { ReferenceCentral } from '../../runtime/central/reference-responder.js'
import { createSilentLogger } from '../../runtime/log.js'

const [url, prefix, referenceFilter] = process.argv.slice(2)
const pem = process.env.BENCH_CENTRAL_KEY
if (!url || !prefix || !referenceFilter || !pem) {
  console.error('usage: BENCH_CENTRAL_KEY=<pem> node central-child.js <url> <prefix> <reference topic filter>')
  process.exit(64)
}
const central = new ReferenceCentral({
  url,
  prefix,
  fixtures: await loadCentralFixtures(),
  signingKey: createPrivateKey(pem),
  clock: systemClock,
  log: createSilentLogger(),
})
await central.start()
const sink = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 })
let received = 0
sink.on('message', () => (received += 1))
await sink.subscribeAsync(referenceFilter, { qos: 1 })
console.log('ready')
process.once('SIGTERM', () => {
  void Promise.allSettled([central.stop(), sink.endAsync()]).then(() => {
    console.log(JSON.stringify({ referenceReceived: received }))
    process.exit(0)
  })
})
