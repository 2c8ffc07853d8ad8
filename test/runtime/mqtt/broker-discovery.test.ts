import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { connectAsync } from 'mqtt'
import t from 'tap'
import { systemClock } from '../../../runtime/core/clock.js'
import { createSilentLogger } from '../../../runtime/log.js'
import {
  createMosquittoSpawner,
  findMosquitto,
  freeLoopbackPort,
  probeTcp,
  resolveBrokerUrl,
  spawnPrivateMosquitto,
  type PrivateMosquitto,
} from '../../../runtime/mqtt/broker-discovery.js'
import { createServer } from 'node:net'
import { testDir } from '../../support/test-dir.js'

const log = createSilentLogger()
const SBIN = '/usr/sbin:/usr/local/sbin'

t.test('a configured url is used as is, without probing', async (t) => {
  const resolved = await resolveBrokerUrl({
    configured: 'mqtts://central.example:8883',
    probe: async () => t.fail('must not probe') as never,
    spawnMosquitto: async () => t.fail('must not spawn') as never,
    log,
  })
  t.strictSame(resolved, { url: 'mqtts://central.example:8883' })
})

t.test('auto uses the local standard port when something answers there', async (t) => {
  const probed: Array<[string, number]> = []
  const resolved = await resolveBrokerUrl({
    configured: 'auto',
    probe: async (host, port, timeoutMs) => {
      probed.push([host, port])
      t.ok(timeoutMs <= 1000, 'the probe is short')
      return true
    },
    spawnMosquitto: async () => t.fail('must not spawn') as never,
    log,
  })
  t.strictSame(probed, [['127.0.0.1', 1883]])
  t.strictSame(resolved, { url: 'mqtt://127.0.0.1:1883' })
})

t.test('auto falls back to a private mosquitto, then to offline', async (t) => {
  let stopped = 0
  const privateBroker: PrivateMosquitto = { url: 'mqtt://127.0.0.1:40001', port: 40001, stop: async () => void stopped++ }
  const spawned = await resolveBrokerUrl({
    configured: 'auto',
    probe: async () => false,
    spawnMosquitto: async () => privateBroker,
    log,
  })
  t.equal(spawned.url, 'mqtt://127.0.0.1:40001')
  await spawned.stop?.()
  t.equal(stopped, 1)

  const none = await resolveBrokerUrl({ configured: 'auto', probe: async () => false, spawnMosquitto: async () => null, log })
  t.strictSame(none, { url: null })
  const failed = await resolveBrokerUrl({
    configured: 'auto',
    probe: async () => false,
    spawnMosquitto: async () => {
      throw new Error('exec format error')
    },
    log,
  })
  t.strictSame(failed, { url: null })
})

t.test('probeTcp tells a listening port from a closed one', async (t) => {
  const server = createServer((socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const address = server.address()
  if (address === null || typeof address !== 'object') throw new Error('no port')
  t.equal(await probeTcp('127.0.0.1', address.port, 500), true)
  t.equal(await probeTcp('127.0.0.1', await freeLoopbackPort(), 500), false)
})

t.test('findMosquitto prefers the override, then PATH, and skips files that are not executable', async (t) => {
  const dir = testDir(t, { a: {}, b: {}, custom: 'x', 'a/mosquitto': 'not executable', 'b/mosquitto': 'x' })
  await chmod(join(dir, 'custom'), 0o755)
  await chmod(join(dir, 'b/mosquitto'), 0o755)
  const searchPath = [join(dir, 'a'), join(dir, 'b')].join(':')
  t.equal(await findMosquitto({ override: join(dir, 'custom'), searchPath }), join(dir, 'custom'))
  t.equal(await findMosquitto({ override: join(dir, 'missing'), searchPath }), join(dir, 'b/mosquitto'))
})

t.test('spawnPrivateMosquitto starts a broker that answers MQTT 5, and stop ends it', async (t) => {
  const binary = await findMosquitto({ searchPath: SBIN })
  if (binary === null) throw new Error('mosquitto is not installed')
  const broker = await spawnPrivateMosquitto({ binary, clock: systemClock, log })
  t.teardown(() => broker.stop())
  t.not(broker.port, 1883)
  t.equal(broker.url, `mqtt://127.0.0.1:${broker.port}`)
  const client = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  await client.endAsync()
  await broker.stop()
  await broker.stop()
  t.equal(await probeTcp('127.0.0.1', broker.port, 500), false, 'nothing listens after stop')
})

t.test('the default spawner finds mosquitto and starts it on a free port', async (t) => {
  const spawner = createMosquittoSpawner({ searchPath: SBIN, clock: systemClock, log })
  const broker = await spawner()
  if (broker === null) throw new Error('mosquitto is not installed')
  t.teardown(() => broker.stop())
  const client = await connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 })
  await client.endAsync()
  t.pass('answers MQTT')
})

t.test('spawnPrivateMosquitto rejects and cleans up when the binary exits at once', async (t) => {
  const dir = testDir(t, {})
  const fake = join(dir, 'fake-mosquitto')
  await writeFile(fake, '#!/bin/sh\necho "Error: bad config" >&2\nexit 3\n')
  await chmod(fake, 0o755)
  await t.rejects(spawnPrivateMosquitto({ binary: fake, clock: systemClock, log, readyTimeoutMs: 3000 }), {
    code: 'E_MQTT_UNAVAILABLE',
  })
  await t.rejects(spawnPrivateMosquitto({ binary: join(dir, 'absent'), clock: systemClock, log }), {
    code: 'E_MQTT_UNAVAILABLE',
  })
})
