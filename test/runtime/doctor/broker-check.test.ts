import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { brokerCheck } from '../../../runtime/doctor/broker-check.js'
import { freeLoopbackPort } from '../../../runtime/mqtt/broker-discovery.js'
import { startMosquitto } from '../../support/mosquitto.js'
import { createTestPki } from '../../support/pki.js'
import { testIo } from './doctor-io.js'
import { testDir } from '../../support/test-dir.js'

const STATION = 'hn-test-001'
const target = { stationId: STATION, connectTimeoutMs: 2000 }

t.test('plain broker: a CONNACK passes; nothing listening fails as unreachable', async (t) => {
  const broker = await startMosquitto(t)
  t.match(await brokerCheck(testIo(), { ...target, url: broker.url }), [{ check: 'broker', status: 'pass', summary: `mqtt://127.0.0.1:${broker.port} accepts MQTT CONNECT` }])
  const port = await freeLoopbackPort()
  t.match(await brokerCheck(testIo(), { ...target, url: `mqtt://127.0.0.1:${port}` }), [
    { check: 'broker', status: 'fail', summary: new RegExp(`127\\.0\\.0\\.1:${port} unreachable: .*ECONNREFUSED`), fix: /broker runs/ },
  ])
  t.match(await brokerCheck(testIo(), { ...target, url: 'not a url' }), [{ status: 'fail', summary: /is not a URL/ }])
})

t.test('a port that speaks no MQTT fails after the TCP connect', async (t) => {
  const { createServer } = await import('node:net')
  const sockets = new Set<import('node:net').Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.end('HTTP/1.0 400 Bad Request\r\n\r\n')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const address = server.address() as { port: number }
  const results = await brokerCheck(testIo(), { ...target, url: `mqtt://127.0.0.1:${address.port}` })
  t.match(results, [{ check: 'broker', status: 'fail', summary: /refused MQTT: /, fix: /port, path/ }])
})

t.test('mqtts: chain checked against mqtt.tls.caFile, near expiry warns, far passes', async (t) => {
  // One folder per test (t.testdir), so each PKI gets its own sub-folder.
  const dir = testDir(t, { near: {}, far: {} })
  const near = await createTestPki(join(dir, 'near'), [STATION])
  const nearBroker = await startMosquitto(t, { tls: { pki: near, dir: near.dir } })
  const tls = near.clients[STATION]
  if (!tls) throw new Error('no station certificate')
  const nearResults = await brokerCheck(testIo(), { ...target, url: nearBroker.url, tls })
  t.match(nearResults, [
    { check: 'tls', status: 'warn', summary: `station certificate: ${STATION} expires in 1 day`, fix: /renew/ },
    { check: 'tls', status: 'warn', summary: /^mqtts:\/\/127\.0\.0\.1:\d+ chain: (localhost|test-ca) expires in 1 day$/ },
    { check: 'broker', status: 'pass' },
  ])

  const far = await createTestPki(join(dir, 'far'), [STATION], { validDays: 400 })
  const farBroker = await startMosquitto(t, { tls: { pki: far, dir: far.dir } })
  const farResults = await brokerCheck(testIo(), { ...target, url: farBroker.url, tls: far.clients[STATION] })
  t.match(farResults, [
    { check: 'tls', status: 'pass', summary: /station certificate valid: hn-test-001 expires in 399 days/ },
    { check: 'tls', status: 'pass', summary: /chain valid/ },
    { check: 'broker', status: 'pass' },
  ])
  // The same broker seen 380 days later: both certificates are then under 30 days from expiry.
  const later = await brokerCheck(testIo({ nowMs: Date.now() + 380 * 86_400_000 }), { ...target, url: farBroker.url, tls: far.clients[STATION] })
  t.match(later.map((result) => result.status), ['warn', 'warn', 'pass'])

  // A CA file that did not sign the broker's certificate: the chain fails, and so does the CONNECT.
  const untrusted = await brokerCheck(testIo(), { ...target, url: farBroker.url, tls: { ...far.clients[STATION]!, caFile: near.caFile } })
  t.match(untrusted, [
    { check: 'tls', status: 'pass' },
    { check: 'tls', status: 'fail', summary: /not signed by mqtt\.tls\.caFile|CA not in mqtt\.tls\.caFile/, fix: /caFile/ },
    { check: 'broker', status: 'fail' },
  ])
  // An expired station certificate: doctor says so, and the broker refuses it.
  const expired = await brokerCheck(testIo(), { ...target, url: nearBroker.url, tls: near.expired })
  t.match(expired[0], { check: 'tls', status: 'fail', summary: `station certificate: ${STATION} has expired` })
  t.match(expired.at(-1), { check: 'broker', status: 'fail' })
})

t.test('credential files that cannot be read fail before any connection', async (t) => {
  const dir = testDir(t, { 'not-a-cert.pem': 'garbage' })
  t.match(await brokerCheck(testIo(), { ...target, url: 'mqtt://127.0.0.1:1', passwordFile: join(dir, 'missing') }), [
    { check: 'broker', status: 'fail', summary: /cannot read a broker credential file/, fix: /passwordFile/ },
  ])
  const garbage = join(dir, 'not-a-cert.pem')
  await writeFile(garbage, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')
  const port = await freeLoopbackPort()
  const results = await brokerCheck(testIo(), {
    ...target,
    url: `mqtts://127.0.0.1:${port}`,
    tls: { caFile: garbage, certFile: garbage, keyFile: garbage },
  })
  t.match(results[0], { check: 'tls', status: 'fail', summary: /station certificate .*not-a-cert\.pem/ })
  t.match(results.at(-1), { check: 'broker', status: 'fail' })
})

t.test('username and password from mqtt.passwordFile go into the CONNECT; a refusal by client id warns', async (t) => {
  const dir = testDir(t, { password: 's3cret\n' })
  const seen: unknown[] = []
  const broker = await startMosquitto(t)
  const results = await brokerCheck(testIo(), { ...target, url: broker.url, username: 'u', passwordFile: join(dir, 'password') }, async (url, options) => {
    seen.push({ url, ...options })
    throw Object.assign(new Error('Connection refused: Client Identifier not valid'), { code: 133 })
  })
  t.match(seen, [{ url: broker.url, clientId: `cs-${STATION}-doctor`, username: 'u', password: 's3cret' }])
  t.match(results, [{ check: 'broker', status: 'warn', summary: /refused doctor's client id/ }])
  const refused = await brokerCheck(testIo(), { ...target, url: broker.url }, async () => {
    throw Object.assign(new Error('Connection refused: Not authorized'), { code: 135 })
  })
  t.match(refused, [{ status: 'fail', summary: /not authorized/, fix: /ACL/ }])
})

t.test('a port that accepts and stays silent: no CONNACK or no TLS handshake within the timeout fails', async (t) => {
  const { createServer } = await import('node:net')
  const sockets = new Set<import('node:net').Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const { port } = server.address() as { port: number }
  const quick = { ...target, connectTimeoutMs: 300 }
  t.match(await brokerCheck(testIo(), { ...quick, url: `mqtt://127.0.0.1:${port}` }), [{ check: 'broker', status: 'fail' }])
  t.match(await brokerCheck(testIo(), { ...quick, url: `mqtts://127.0.0.1:${port}` }), [
    { check: 'broker', status: 'fail', summary: /unreachable: no TLS handshake within 300 ms/ },
  ])
})
