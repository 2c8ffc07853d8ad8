import t from 'tap'
import { applyEnvOverrides, ENV_OVERRIDES, withOverride } from '../../config/env.js'

t.test('every variable in the table sets its option', async (t) => {
  const env = {
    STATION_ID: 'hn-001',
    STATION_DATA_DIR: '/data',
    STATION_MQTT_URL: 'mqtts://broker:8883',
    STATION_MQTT_USERNAME: 'hn-001',
    STATION_MQTT_PASSWORD_FILE: '/etc/pw',
    STATION_LOG_LEVEL: 'debug',
    STATION_LANGUAGE: 'en',
    STATION_SIMULATED: 'false',
    STATION_IDLE_TIMEOUT_S: '90',
    STATION_FLOWS_DIR: '/flows',
    STATION_KEY_FILE: '/keys/k',
  }
  const { raw, problems, applied } = applyEnvOverrides({}, env)
  t.strictSame(problems, [])
  t.equal(applied.length, ENV_OVERRIDES.length)
  t.strictSame(raw, {
    station: { id: 'hn-001', defaultLanguage: 'en' },
    dataDir: '/data',
    mqtt: { url: 'mqtts://broker:8883', username: 'hn-001', passwordFile: '/etc/pw' },
    log: { level: 'debug' },
    hardware: { simulated: false },
    session: { idleTimeoutS: 90 },
    flows: { dir: '/flows' },
    storage: { keyFile: '/keys/k' },
  })
})

t.test('overrides replace file values, keep their siblings, and leave the input untouched', async (t) => {
  const file = { mqtt: { url: 'mqtt://file', keepaliveS: 10 } }
  const { raw } = applyEnvOverrides(file, { STATION_MQTT_URL: 'mqtt://env', UNRELATED: 'x' })
  t.strictSame(raw, { mqtt: { url: 'mqtt://env', keepaliveS: 10 } })
  t.strictSame(file, { mqtt: { url: 'mqtt://file', keepaliveS: 10 } })
})

t.test('booleans accept true, false, 1 and 0', async (t) => {
  for (const [text, value] of [['true', true], ['1', true], ['FALSE', false], ['0', false]] as const) {
    t.strictSame(applyEnvOverrides(undefined, { STATION_SIMULATED: text }).raw, { hardware: { simulated: value } }, text)
  }
})

t.test('unparseable values are problems naming the variable and the value', async (t) => {
  const { raw, problems } = applyEnvOverrides({}, { STATION_IDLE_TIMEOUT_S: 'abc', STATION_SIMULATED: 'yes' })
  t.strictSame(problems, [
    'STATION_SIMULATED: not a boolean; use true, false, 1 or 0 (got "yes")',
    'STATION_IDLE_TIMEOUT_S: not an integer (got "abc")',
  ])
  t.strictSame(raw, {}, 'a bad value is not applied')
  t.strictSame(applyEnvOverrides({}, { STATION_IDLE_TIMEOUT_S: '1.5' }).problems, [
    'STATION_IDLE_TIMEOUT_S: not an integer (got "1.5")',
  ])
})

t.test('an empty variable counts as unset', async (t) => {
  const { raw, applied } = applyEnvOverrides({ station: { id: 'file-id' } }, { STATION_ID: '' })
  t.strictSame(raw, { station: { id: 'file-id' } })
  t.strictSame(applied, [])
})

t.test('an override does not paper over a section that is not a mapping', async (t) => {
  t.strictSame(withOverride({ mqtt: 'oops' }, ['mqtt', 'url'], 'mqtt://h'), { mqtt: 'oops' })
  t.equal(withOverride('scalar', ['dataDir'], '/d'), 'scalar')
  t.strictSame(withOverride({ mqtt: null }, ['mqtt', 'url'], 'mqtt://h'), { mqtt: { url: 'mqtt://h' } })
})

t.test('the table names only STATION_ variables, each once', async (t) => {
  const names = ENV_OVERRIDES.map((override) => override.variable)
  t.equal(new Set(names).size, names.length)
  t.ok(names.every((name) => name.startsWith('STATION_')))
})
