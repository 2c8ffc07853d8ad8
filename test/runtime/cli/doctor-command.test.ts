import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { doctorCommand, type DoctorOptions } from '../../../runtime/cli/doctor-command.js'
import { ControlServer } from '../../../runtime/control/control-server.js'
import type { CheckResult, DoctorIo } from '../../../runtime/doctor/check-result.js'
import { testIo } from '../doctor/doctor-io.js'
import { systemDoctorIo } from '../../../runtime/doctor/system-doctor-io.js'
import { createSilentLogger } from '../../../runtime/log.js'
import { freeLoopbackPort, probeTcp } from '../../../runtime/mqtt/broker-discovery.js'
import { startMosquitto } from '../../support/mosquitto.js'
import { createTestPki } from '../../support/pki.js'

/** A short folder under the system temp dir: tap's fixture paths are too long for a Unix socket and wrap in the output. */
async function shortDir(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'doctor-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const SIM_CONFIG = join(import.meta.dirname, '../../../config/sim.yaml')

async function doctor(options: Partial<DoctorOptions>, cwd: string, io: DoctorIo = systemDoctorIo()) {
  const out: string[] = []
  const code = await doctorCommand(
    { json: false, ...options },
    { env: {}, cwd, nodeVersion: process.version, io },
    { out: (text) => void out.push(text), err: (text) => void out.push(text) },
  )
  const text = out.join('\n')
  return { code, text, json: (): CheckResult[] => JSON.parse(text) as CheckResult[] }
}

/** A Raspberry Pi config for devices this machine does not have. */
function piConfig(brokerUrl: string, dir: string): string {
  return [
    'station: { id: hn-badinh-001 }',
    `dataDir: ${join(dir, 'data')}`,
    `mqtt: { url: "${brokerUrl}" }`,
    'hardware:',
    '  simulated: false',
    '  display: { bus: 1, address: 0x27 }',
    '  keypad: { kind: mpr121, bus: 1, address: 0x5a }',
    '  scanner: { path: /dev/serial/by-id/usb-absent-scanner }',
    '  printer: { path: /dev/serial/by-id/usb-absent-printer }',
    '  nfc: { enabled: true, interface: i2c, bus: 1, address: 0x24 }',
    `  gpio: { sysfsRoot: ${join(dir, 'no-gpio')} }`,
    '  tamper: { enabled: true, line: 16 }',
    '',
  ].join('\n')
}

t.test('config/sim.yaml with a private broker: no check fails, exit 0; every line fits 80 columns', async (t) => {
  const broker = await startMosquitto(t)
  const dir = await shortDir(t)
  const result = await doctor({ configFile: SIM_CONFIG, dataDir: join(dir, 'data'), broker: broker.url }, dir)
  t.equal(result.code, 0, result.text)
  t.notMatch(result.text, /^fail /m)
  for (const line of [
    /^pass node +Node v/m,
    /^pass config +.*sim\.yaml valid: station sim-station,/m,
    /^pass device +simulated hardware/m,
    /^pass i2c +display at 0x27 on i2c-1 answers$/m,
    /^pass i2c +keypad at 0x5a on i2c-1 answers$/m,
    /^pass i2c +nfc at 0x24 on i2c-1 answers$/m,
    /^pass printer +printer ready/m,
    /^pass disk +\d+ MiB free at /m,
    new RegExp(`^pass broker +mqtt://127\\.0\\.0\\.1:${broker.port} accepts MQTT CONNECT$`, 'm'),
    /^(pass|warn) clock /m,
    /^(pass|warn) systemd /m,
  ]) {
    t.match(result.text, line)
  }
  t.ok(result.text.split('\n').every((line) => line.length <= 80), 'no line beyond 80 columns')
})

t.test('--json: an array of {check, status, summary}, with a fix on every warn and fail', async (t) => {
  const dir = await shortDir(t)
  const port = await freeLoopbackPort()
  const result = await doctor({ configFile: SIM_CONFIG, dataDir: dir, broker: `mqtt://127.0.0.1:${port}`, json: true }, dir)
  t.equal(result.code, 1, 'the broker is unreachable')
  const checks = result.json()
  t.ok(Array.isArray(checks))
  for (const check of checks) {
    t.match(check, { check: String, status: /^(pass|warn|fail)$/, summary: String })
    t.equal(typeof check.fix, check.status === 'pass' ? 'undefined' : 'string', `${check.check}: fix only with warn and fail`)
  }
  t.strictSame(
    checks.map((check) => check.check),
    ['node', 'config', 'device', 'i2c', 'i2c', 'i2c', 'printer', 'disk', 'broker', 'clock', 'systemd'],
  )
  t.match(checks.find((check) => check.check === 'broker'), { status: 'fail', summary: new RegExp(`127\\.0\\.0\\.1:${port} unreachable`) })
})

t.test('a Pi config on a machine without the hardware fails naming each missing device', async (t) => {
  const broker = await startMosquitto(t)
  const dir = await shortDir(t)
  const file = join(dir, 'station.yaml')
  await writeFile(file, piConfig(broker.url, dir))
  const result = await doctor({ configFile: file }, dir)
  t.equal(result.code, 1, result.text)
  t.match(result.text, /^fail device +display, keypad, nfc: \/dev\/i2c-1 is missing$/m)
  t.match(result.text, /dtparam=i2c_arm=on/)
  t.match(result.text, /^fail device +scanner: \/dev\/serial\/by-id\/usb-absent-scanner is missing$/m)
  t.match(result.text, /^fail device +printer: \/dev\/serial\/by-id\/usb-absent-printer is/m)
  t.match(result.text, /^fail device +tamper: .*no-gpio\/export is missing$/m)
  t.match(result.text, /^pass broker /m)
  // Devices whose node is missing are not probed again: their one line says what to fix.
  t.notMatch(result.text, /^\w+ (i2c|printer) /m)
  t.ok(result.text.split('\n').every((line) => line.length <= 80), 'no line beyond 80 columns')
  t.notMatch(result.text, /^ {19}\S/m, 'every fix on one line')
})

t.test('real hardware whose nodes are there but nothing answers: each probe fails on the native transport', async (t) => {
  const broker = await startMosquitto(t)
  const dir = await shortDir(t)
  const file = join(dir, 'station.yaml')
  // The NFC reader on a bus of its own, so doctor opens a second native bus for it.
  await writeFile(file, piConfig(broker.url, dir).replace('nfc: { enabled: true, interface: i2c, bus: 1,', 'nfc: { enabled: true, interface: i2c, bus: 3,'))
  // This machine has no I2C or serial nodes: doctor's own access check is told they are there, and the
  // native transports, which look for themselves, find them missing.
  const present = Object.fromEntries(['/dev/i2c-1', '/dev/i2c-3', '/dev/serial/by-id/usb-absent-scanner', '/dev/serial/by-id/usb-absent-printer', join(dir, 'no-gpio/export')].map((node) => [node, 'ok']))
  const result = await doctor({ configFile: file, json: true }, dir, testIo({ access: present, exec: { id: (args) => ({ kind: 'exited', code: 0, stdout: args[0] === '-u' ? '0\n' : 'root\n', stderr: '' }) } }))
  t.equal(result.code, 1)
  const checks = result.json()
  t.match(
    checks.filter((check) => check.check === 'i2c'),
    [
      { status: 'fail', summary: /display at 0x27 on i2c-1: \/dev\/i2c-1 is missing or not accessible/ },
      { status: 'fail', summary: /keypad at 0x5a on i2c-1: \/dev\/i2c-1 is missing/ },
      { status: 'fail', summary: /nfc at 0x24 on i2c-3: \/dev\/i2c-3 is missing/ },
    ],
  )
  t.match(checks.find((check) => check.check === 'printer'), { status: 'fail', summary: /cannot open \/dev\/serial\/by-id\/usb-absent-printer/ })
  t.notOk(checks.some((check) => check.check === 'device' && check.status === 'fail'))
})

t.test('real hardware with a station answering on its control socket: probes are skipped with a warn', async (t) => {
  const broker = await startMosquitto(t)
  const dir = await shortDir(t)
  const socketPath = join(dir, 'data', 'station.sock')
  await mkdir(join(dir, 'data'))
  const server = new ControlServer(socketPath, { status: () => ({ ok: true }) }, createSilentLogger())
  await server.start({ signal: new AbortController().signal, fail: () => undefined })
  t.teardown(() => server.stop())
  const file = join(dir, 'station.yaml')
  await writeFile(file, piConfig(broker.url, dir))
  const result = await doctor({ configFile: file, json: true }, dir)
  t.match(result.json().find((check) => check.check === 'probe'), {
    status: 'warn',
    summary: 'a station is running: I2C and printer probes skipped',
    fix: /systemctl stop citizen-station/,
  })
})

t.test('mqtts with certificates close to expiry: warns, no fail, exit 0', async (t) => {
  const dir = await shortDir(t)
  await mkdir(join(dir, 'pki'))
  const pki = await createTestPki(join(dir, 'pki'), ['sim-station'])
  const broker = await startMosquitto(t, { tls: { pki, dir: pki.dir } })
  const tls = pki.clients['sim-station']
  if (!tls) throw new Error('no station certificate')
  const file = join(dir, 'tls.yaml')
  await writeFile(
    file,
    [
      'station: { id: sim-station }',
      `mqtt: { url: "${broker.url}", tls: { caFile: ${tls.caFile}, certFile: ${tls.certFile}, keyFile: ${tls.keyFile} } }`,
      'hardware: { simulated: true }',
      '',
    ].join('\n'),
  )
  const result = await doctor({ configFile: file, dataDir: join(dir, 'data'), json: true }, dir)
  t.equal(result.code, 0)
  const tlsChecks = result.json().filter((check) => check.check === 'tls')
  t.match(tlsChecks, [
    { status: 'warn', summary: 'station certificate: sim-station expires in 1 day' },
    { status: 'warn', summary: /chain: .* expires in 1 day$/ },
  ])
  t.match(result.json().find((check) => check.check === 'broker'), { status: 'pass' })
})

t.test('a bad config fails with every problem; url auto checks the local standard port', async (t) => {
  const dir = await shortDir(t)
  await writeFile(join(dir, 'bad.yaml'), 'station:\n  id: Not An Id\nmqtt:\n  urls: []\n')
  const bad = await doctor({ configFile: join(dir, 'bad.yaml') }, dir)
  t.equal(bad.code, 1)
  t.match(bad.text, /^fail config +2 problems in \/.*bad\.yaml$/m)
  t.match(bad.text, /^ {14}- station\.id: /m)
  t.match(bad.text, /^ {14}- mqtt\.urls: must be a non-empty list/m)
  t.match(bad.text, /^ {14}fix: /m)

  const auto = await doctor({ configFile: SIM_CONFIG, dataDir: join(dir, 'data'), json: true }, dir)
  const broker = auto.json().find((check) => check.check === 'broker')
  // Whatever this machine runs on 127.0.0.1:1883 decides which of the two answers is right.
  if (await probeTcp('127.0.0.1', 1883, 300)) t.match(broker, { status: /pass|warn/, summary: /127\.0\.0\.1:1883/ })
  else t.match(broker, { status: 'warn', summary: /mqtt\.url auto: no broker on 127\.0\.0\.1:1883/, fix: /--broker/ })
})
