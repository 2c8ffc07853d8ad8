import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { BUILT_IN_SOURCE, formatProblems, loadConfig, type LoadConfigOptions } from '../../config/load.js'
import type { Config } from '../../config/schema.js'
import { testDir } from '../support/test-dir.js'

const configDir = fileURLToPath(new URL('../../config/', import.meta.url))

function options(extra: Partial<LoadConfigOptions> = {}): LoadConfigOptions {
  return {
    env: {},
    overrides: {},
    bundledFlowsDir: '/opt/station/flows',
    defaultDataDir: '/var/lib/station',
    cwd: '/home/tech',
    ...extra,
  }
}

async function loaded(extra: Partial<LoadConfigOptions>): Promise<Config> {
  const result = await loadConfig(options(extra))
  if (!result.ok) throw new Error(formatProblems(result.source, result.problems))
  return result.config
}

t.test('the simulated config validates', async (t) => {
  const config = await loaded({ file: join(configDir, 'sim.yaml') })
  t.equal(config.hardware.simulated, true)
  t.equal(config.hardware.keypad.irqLine, 17, 'the simulator runs the keypad IRQ path')
  t.equal(config.hardware.keypad.irqSafetyPollMs, 1000)
  t.equal(config.mqtt.url, 'auto')
  t.equal(config.flows.dir, '/opt/station/flows')
  t.equal(config.storage.keyFile, '/var/lib/station/keys/outbox.key')
})

t.test('the example config validates and describes a real station', async (t) => {
  const config = await loaded({ file: join(configDir, 'station.example.yaml') })
  t.equal(config.hardware.simulated, false)
  t.match(config.mqtt.url, /^mqtts:\/\//)
  t.equal(config.mqtt.urls?.length, 2)
  t.match(config.mqtt.tls, { caFile: /^\//, certFile: /^\//, keyFile: /^\// })
  t.equal(config.ops.trustedKeys.length, 1)
  t.equal(config.central.trustedKeys.length, 1)
  t.type(config.hardware.keypad.irqLine, 'number')
  t.equal(config.hardware.scanner.path, '/dev/citizen-scanner', 'the udev rules name it (systemd/99-citizen-station.rules)')
  t.equal(config.hardware.printer.path, '/dev/citizen-printer')
})

t.test('no file means the defaults, reported as the built-in source', async (t) => {
  const result = await loadConfig(options())
  t.equal(result.source, BUILT_IN_SOURCE)
  t.ok(result.ok)
})

t.test('a bad file with five mistakes lists all five', async (t) => {
  const dir = testDir(t, {
    'station.yaml': [
      'station:',
      '  id: X',
      'mqtt:',
      '  url: ftp://broker',
      'session:',
      '  idleTimeoutS: 2',
      'hardware:',
      '  keypad:',
      '    touchThreshold: 6',
      '    releaseThreshold: 8',
      '  printer:',
      '    path: /dev/ttyUSB0',
      '',
    ].join('\n'),
  })
  const result = await loadConfig(options({ file: join(dir, 'station.yaml') }))
  t.equal(result.ok, false)
  if (result.ok) return
  t.equal(result.source, join(dir, 'station.yaml'))
  const at = (line: number, col: number): string => ` [${join(dir, 'station.yaml')}:${line}:${col}]`
  t.strictSame(result.problems, [
    `station.id: must be 3 to 40 characters of a-z, 0-9 and - (got "X")${at(2, 3)}`,
    `mqtt.url: must be a broker URL (mqtt://, mqtts://, ws:// or wss://) or 'auto' (got "ftp://broker")${at(4, 3)}`,
    `session.idleTimeoutS: must be an integer from 5 to 3600 (got 2)${at(6, 3)}`,
    `hardware.printer.path: must be a stable path such as /dev/serial/by-id/… (ttyUSB/ttyACM numbers change on replug) (got "/dev/ttyUSB0")${at(12, 5)}`,
    `hardware.keypad.releaseThreshold: must be lower than hardware.keypad.touchThreshold (6) (got 8)${at(10, 5)}`,
  ], 'each with the line and column of its option in the file')
  const text = formatProblems(result.source, result.problems)
  t.match(text, new RegExp(`^config ${join(dir, 'station.yaml')} has 5 problems:\n  - station.id: `))
  t.equal(text.split('\n').length, 6)
})

t.test('a YAML syntax error reports line and column', async (t) => {
  const dir = testDir(t, { 'station.yaml': 'station:\n  id: ok-id\nmqtt:\n  url: [mqtt://h\nlog:\n  level: info\n' })
  const result = await loadConfig(options({ file: join(dir, 'station.yaml') }))
  t.equal(result.ok, false)
  if (result.ok) return
  t.equal(result.problems.length, 1)
  t.match(result.problems[0], new RegExp(`^${join(dir, 'station.yaml')}:5:1: YAML syntax error: `))
})

t.test('a key given twice is a syntax error, not a silent override', async (t) => {
  const dir = testDir(t, { 'station.yaml': 'log:\n  level: info\nlog:\n  level: debug\n' })
  const result = await loadConfig(options({ file: join(dir, 'station.yaml') }))
  t.equal(result.ok, false)
  if (!result.ok) t.match(result.problems, [/station\.yaml:3:1: YAML syntax error: Map keys must be unique/])
})

t.test('a missing file is a problem, resolved against cwd', async (t) => {
  const dir = testDir(t, {})
  const result = await loadConfig(options({ file: 'nope.yaml', cwd: dir }))
  t.strictSame(result, { ok: false, problems: [`${join(dir, 'nope.yaml')}: file not found`], source: join(dir, 'nope.yaml') })
})

t.test('an unreadable path is a problem with its errno', async (t) => {
  const dir = testDir(t, { folder: {} })
  const result = await loadConfig(options({ file: join(dir, 'folder') }))
  t.equal(result.ok, false)
  if (!result.ok) t.strictSame(result.problems, [`${join(dir, 'folder')}: cannot read (EISDIR)`])
})

t.test('command line beats environment beats file', async (t) => {
  const dir = testDir(t, {
    'station.yaml': 'station:\n  id: from-file\nmqtt:\n  url: mqtt://file-broker\nhardware:\n  simulated: true\n',
  })
  const file = join(dir, 'station.yaml')
  const env = { STATION_ID: 'from-env', STATION_MQTT_URL: 'mqtt://env-broker', STATION_SIMULATED: 'false' }

  const fileOnly = await loaded({ file })
  t.equal(fileOnly.station.id, 'from-file')
  t.equal(fileOnly.mqtt.url, 'mqtt://file-broker')

  const withEnv = await loaded({ file, env })
  t.equal(withEnv.station.id, 'from-env')
  t.equal(withEnv.mqtt.url, 'mqtt://env-broker')
  t.equal(withEnv.hardware.simulated, false)

  const withCli = await loaded({ file, env, overrides: { brokerUrl: 'mqtt://cli-broker', simulated: true } })
  t.equal(withCli.station.id, 'from-env')
  t.equal(withCli.mqtt.url, 'mqtt://cli-broker')
  t.equal(withCli.hardware.simulated, true)
})

t.test('relative paths in the file resolve against the file folder, from env and CLI against cwd', async (t) => {
  const dir = testDir(t, {
    etc: {
      'station.yaml': [
        'dataDir: ../var/station',
        'flows:',
        '  dir: flows',
        'storage:',
        '  keyFile: keys/outbox.key',
        'mqtt:',
        '  passwordFile: ./mqtt-password',
        'control:',
        '  socketPath: /run/station.sock',
        '',
      ].join('\n'),
    },
  })
  const file = join(dir, 'etc', 'station.yaml')
  const config = await loaded({ file })
  t.equal(config.dataDir, join(dir, 'var', 'station'))
  t.equal(config.flows.dir, join(dir, 'etc', 'flows'))
  t.equal(config.storage.keyFile, join(dir, 'etc', 'keys', 'outbox.key'))
  t.equal(config.mqtt.passwordFile, join(dir, 'etc', 'mqtt-password'))
  t.equal(config.control.socketPath, '/run/station.sock', 'absolute paths stay as written')

  const fromCli = await loaded({ file, cwd: '/srv', overrides: { dataDir: 'state' }, env: { STATION_FLOWS_DIR: 'my-flows' } })
  t.equal(fromCli.dataDir, '/srv/state')
  t.equal(fromCli.flows.dir, '/srv/my-flows')
})

t.test('key file and socket follow the chosen dataDir unless set', async (t) => {
  const config = await loaded({ env: { STATION_DATA_DIR: '/data/station' } })
  t.equal(config.storage.keyFile, '/data/station/keys/outbox.key')
  t.equal(config.control.socketPath, '/data/station/station.sock')
  const fallback = await loaded({ defaultDataDir: '.station', cwd: '/home/tech' })
  t.equal(fallback.dataDir, '/home/tech/.station')
})

t.test('bad environment values and values set outside the file say where they came from', async (t) => {
  const dir = testDir(t, { 'station.yaml': 'session:\n  idleTimeoutS: 30\n' })
  const result = await loadConfig(
    options({
      file: join(dir, 'station.yaml'),
      env: { STATION_IDLE_TIMEOUT_S: 'abc', STATION_ID: 'X' },
      overrides: { brokerUrl: 'ftp://h' },
    }),
  )
  t.equal(result.ok, false)
  if (result.ok) return
  t.strictSame(result.problems, [
    'STATION_IDLE_TIMEOUT_S: not an integer (got "abc")',
    'station.id: must be 3 to 40 characters of a-z, 0-9 and - (got "X") [set by STATION_ID]',
    "mqtt.url: must be a broker URL (mqtt://, mqtts://, ws:// or wss://) or 'auto' (got \"ftp://h\") [set by the command line]",
  ])
})

t.test('an environment problem alone fails the load', async (t) => {
  const result = await loadConfig(options({ env: { STATION_SIMULATED: 'maybe' } }))
  t.strictSame(result, {
    ok: false,
    problems: ['STATION_SIMULATED: not a boolean; use true, false, 1 or 0 (got "maybe")'],
    source: BUILT_IN_SOURCE,
  })
})

t.test('an empty file means defaults, and unknown keys in a file are reported', async (t) => {
  const dir = testDir(t, { 'empty.yaml': '# nothing yet\n', 'typo.yaml': 'mqtt:\n  urll: mqtt://h\n' })
  t.ok((await loadConfig(options({ file: join(dir, 'empty.yaml') }))).ok)
  const result = await loadConfig(options({ file: join(dir, 'typo.yaml') }))
  t.strictSame(result.ok ? [] : result.problems, [`mqtt.urll: unknown option (did you mean mqtt.url?) [${join(dir, 'typo.yaml')}:2:3]`])
})

t.test('an alias bomb is refused rather than expanded', async (t) => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
  for (let level = 1; level < 8; level++) {
    const previous = String.fromCharCode(96 + level)
    const name = String.fromCharCode(97 + level)
    lines.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`)
  }
  const dir = testDir(t, { 'bomb.yaml': `${lines.join('\n')}\n` })
  const result = await loadConfig(options({ file: join(dir, 'bomb.yaml') }))
  t.equal(result.ok, false)
  if (!result.ok) t.match(result.problems[0], /bomb\.yaml: .*alias/i)
})

t.test('formatProblems says "problem" for one', async (t) => {
  t.equal(formatProblems('/etc/s.yaml', ['log.level: must be one of … (got "loud")']), 'config /etc/s.yaml has 1 problem:\n  - log.level: must be one of … (got "loud")')
})

t.test('a dataDir set in the file moves the default key file and socket with it', async (t) => {
  const dir = testDir(t, { 'station.yaml': 'dataDir: /var/lib/citizen-station\n' })
  const config = await loaded({ file: join(dir, 'station.yaml') })
  t.equal(config.storage.keyFile, '/var/lib/citizen-station/keys/outbox.key')
  t.equal(config.control.socketPath, '/var/lib/citizen-station/station.sock')
})

t.test('the result says whether station.id was given, by the file or STATION_ID', async (t) => {
  const given = async (extra: Partial<LoadConfigOptions>) => {
    const result = await loadConfig(options(extra))
    if (!result.ok) throw new Error(formatProblems(result.source, result.problems))
    return result.stationIdGiven
  }
  t.equal(await given({ file: join(configDir, 'sim.yaml') }), false, 'sim.yaml leaves the id to the data dir')
  t.equal(await given({}), false, 'built-in defaults')
  t.equal(await given({ file: join(configDir, 'sim.yaml'), env: { STATION_ID: 'lab-1' } }), true)
  t.equal(await given({ file: join(configDir, 'station.example.yaml') }), true)
})
