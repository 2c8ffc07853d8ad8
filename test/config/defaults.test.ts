import t from 'tap'
import { defaultConfig, DEFAULT_ELECTRODES } from '../../config/defaults.js'
import { validateConfig } from '../../config/validate.js'

t.test('defaults describe a simulated station that validates', async (t) => {
  const base = defaultConfig('/var/lib/station', '/opt/station/flows')
  const result = validateConfig({}, base)
  t.ok(result.ok, result.ok ? 'valid' : result.problems.join('\n'))
  t.equal(base.hardware.simulated, true)
  t.equal(base.mqtt.url, 'auto')
  t.equal(base.station.id, 'sim-station')
})

t.test('key file and control socket live inside dataDir; flows come from the bundled folder', async (t) => {
  const base = defaultConfig('/data', '/pkg/flows')
  t.equal(base.storage.keyFile, '/data/keys/outbox.key')
  t.equal(base.control.socketPath, '/data/station.sock')
  t.equal(base.flows.dir, '/pkg/flows')
  t.equal(base.storage.outboxMaxBytes, 64 * 1024 * 1024)
})

t.test('each call returns a fresh object that does not share the electrode list', async (t) => {
  const first = defaultConfig('/d', '/f')
  first.hardware.keypad.electrodes[0] = '9'
  t.equal(defaultConfig('/d', '/f').hardware.keypad.electrodes[0], '1')
  t.equal(DEFAULT_ELECTRODES[0], '1')
})
