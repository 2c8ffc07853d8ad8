import t from 'tap'
import { renderValue, validateConfig } from '../../config/validate.js'
import { baseConfig as base, configOf, problemsOf } from '../support/validated-config.js'
import type { Config } from '../../config/schema.js'


t.test('omitted options take the base value and given ones replace it', async (t) => {
  const config = configOf({ mqtt: { keepaliveS: 10 }, hardware: { keypad: { irqLine: 17 } } })
  t.equal(config.mqtt.keepaliveS, 10)
  t.equal(config.mqtt.reconnectMaxMs, 30_000)
  t.equal(config.hardware.keypad.irqLine, 17)
  t.equal(config.hardware.keypad.touchThreshold, 12)
  t.equal(config.station.id, 'sim-station')
})

t.test('lists every mistake, each with its path and the value it got', async (t) => {
  const problems = problemsOf({
    station: { id: 'Bad Id!' },
    mqtt: { url: 'http://broker', keepaliveS: -1 },
    hardware: { keypad: { address: 0x27 }, scanner: { baudRate: 9601 } },
  })
  t.strictSame(problems, [
    'station.id: must be 3 to 40 characters of a-z, 0-9 and - (got "Bad Id!")',
    "mqtt.url: must be a broker URL (mqtt://, mqtts://, ws:// or wss://) or 'auto' (got \"http://broker\")",
    'mqtt.keepaliveS: must be an integer from 0 to 65535 (got -1)',
    'hardware.keypad.address: must be 0x5a to 0x5d (set by the MPR121 ADDR pin) (got 0x27)',
    'hardware.scanner.baudRate: must be one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200 (got 9601)',
  ])
})

t.test('an unknown option is a problem, with the nearest known option suggested', async (t) => {
  t.strictSame(problemsOf({ mqtt: { urll: 'mqtt://h' } }), ['mqtt.urll: unknown option (did you mean mqtt.url?)'])
  t.strictSame(problemsOf({ mqqt: {} }), ['mqqt: unknown option (did you mean mqtt?)'])
  t.strictSame(problemsOf({ hardware: { keypad: { IrqLine: 4 } } }), [
    'hardware.keypad.IrqLine: unknown option (did you mean hardware.keypad.irqLine?)',
  ])
  t.strictSame(
    problemsOf({ station: { idleTimeoutS: 30 } }),
    ['station.idleTimeoutS: unknown option (did you mean session.idleTimeoutS?)'],
    'an option put in the wrong section points to the right one',
  )
  t.strictSame(problemsOf({ colour: 'blue' }), ['colour: unknown option'])
})

t.test('an I2C address may be written as the string 0x3f', async (t) => {
  const config = configOf({ hardware: { display: { address: '0x3f' }, keypad: { address: '0x5b' } } })
  t.equal(config.hardware.display.address, 0x3f)
  t.equal(config.hardware.keypad.address, 0x5b)
})

t.test('release threshold must be below touch threshold', async (t) => {
  t.strictSame(problemsOf({ hardware: { keypad: { touchThreshold: 10, releaseThreshold: 10 } } }), [
    'hardware.keypad.releaseThreshold: must be lower than hardware.keypad.touchThreshold (10) (got 10)',
  ])
})

t.test('display and keypad on one bus need different addresses, on different buses they may share one', async (t) => {
  const clash = { hardware: { display: { address: 0x5a }, keypad: { address: 0x5a } } }
  t.strictSame(problemsOf(clash), [
    'hardware.keypad.address: must differ from hardware.display.address on the same bus (i2c-1) (got 0x5a)',
  ])
  configOf({ hardware: { display: { address: 0x5a, bus: 3 }, keypad: { address: 0x5a } } })
})

t.test('reconnect delays, broker auto mode, serial paths and display size are checked together', async (t) => {
  t.strictSame(problemsOf({ mqtt: { reconnectMinMs: 40_000 } }), [
    'mqtt.reconnectMinMs: must not exceed mqtt.reconnectMaxMs (30000) (got 40000)',
  ])
  t.strictSame(problemsOf({ hardware: { simulated: false } }), [
    "mqtt.url: 'auto' is for simulated stations only; name the broker (got \"auto\")",
  ])
  t.strictSame(problemsOf({ hardware: { printer: { path: '/dev/serial/by-id/usb-scanner' } } }), [
    'hardware.printer.path: must differ from hardware.scanner.path (got "/dev/serial/by-id/usb-scanner")',
  ])
  t.strictSame(problemsOf({ hardware: { display: { cols: 40, rows: 4 } } }), [
    'hardware.display.cols: must be at most 20 with 4 rows (one HD44780 holds 80 characters) (got 40)',
  ])
  configOf({ hardware: { display: { cols: 40, rows: 2 } } })
})

t.test('a cross-field rule stays quiet when one of its options is already wrong', async (t) => {
  t.strictSame(problemsOf({ hardware: { keypad: { touchThreshold: 'high', releaseThreshold: 20 } } }), [
    'hardware.keypad.touchThreshold: must be an integer from 0 to 255 (got "high")',
  ])
})

t.test('electrodes must name each of the twelve keys exactly once', async (t) => {
  const twice = ['1', '2', '3', '4', '5', '5', '7', '8', '9', 'back', '0', 'ok']
  t.strictSame(problemsOf({ hardware: { keypad: { electrodes: twice } } }), [
    `hardware.keypad.electrodes: lists "5" more than once and lacks "6" (got ${renderValue(twice)})`,
  ])
  const short = ['1', '2', '3']
  t.match(problemsOf({ hardware: { keypad: { electrodes: short } } }), [
    /^hardware\.keypad\.electrodes: must list 12 keys, one per electrode 0\.\.11, .*\(got \["1","2","3"\]\)$/,
  ])
  const unknownKey = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'back', '0', 'enter']
  t.equal(problemsOf({ hardware: { keypad: { electrodes: unknownKey } } }).length, 1)
  const reordered = ['ok', '0', 'back', '9', '8', '7', '6', '5', '4', '3', '2', '1']
  t.strictSame(configOf({ hardware: { keypad: { electrodes: reordered } } }).hardware.keypad.electrodes, reordered)
  const unquoted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 'back', 0, 'ok']
  t.strictSame(
    configOf({ hardware: { keypad: { electrodes: unquoted } } }).hardware.keypad.electrodes,
    ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'back', '0', 'ok'],
    'unquoted YAML digits are key names too',
  )
  t.equal(problemsOf({ hardware: { keypad: { electrodes: [1, 2, 3, 4, 5, 6, 7, 8, 9, 'back', 10, 'ok'] } } }).length, 1)
})

t.test('null unsets an optional option and counts as an empty section', async (t) => {
  const from = base()
  from.mqtt.username = 'station'
  from.hardware.keypad.irqLine = 17
  const config = configOf({ mqtt: { username: null }, hardware: { keypad: { irqLine: null } }, session: null }, from)
  t.notOk('username' in config.mqtt)
  t.notOk('irqLine' in config.hardware.keypad)
  t.equal(config.session.idleTimeoutS, 60)
})

t.test('a section or root that is not a mapping is reported', async (t) => {
  t.strictSame(problemsOf({ mqtt: 'mqtt://h' }), ['mqtt: must be a mapping of options (got "mqtt://h")'])
  t.strictSame(problemsOf(['a']), ['(root): must be a mapping of options (got ["a"])'])
  t.ok(validateConfig(null, base()).ok, 'an empty file is all defaults')
})

t.test('a URL with a password is refused without printing the password', async (t) => {
  const [problem] = problemsOf({ mqtt: { url: 'mqtts://u:hunter2@h' } })
  t.match(problem, /^mqtt\.url: must not contain a password/)
  t.notMatch(problem, /hunter2/)
  t.match(problem, /\(got "mqtts:\/\/u:\*\*\*@h"\)$/)
})

t.test('long values are truncated in problem lines', async (t) => {
  const [problem] = problemsOf({ station: { id: 'x'.repeat(500) } })
  t.ok(problem !== undefined && problem.length < 140, problem ?? 'no problem')
  t.match(problem, /…\)$/)
})

t.test('the result is deep-frozen and shares nothing with the base', async (t) => {
  const from = base()
  const config = configOf({}, from)
  t.ok(Object.isFrozen(config))
  t.ok(Object.isFrozen(config.hardware.keypad))
  t.ok(Object.isFrozen(config.hardware.keypad.electrodes))
  t.throws(() => {
    ;(config.mqtt as { url: string }).url = 'mqtt://elsewhere'
  }, TypeError)
  t.notOk(Object.isFrozen(from.hardware.keypad.electrodes), 'the base stays mutable')
  t.not(config.hardware.keypad.electrodes, from.hardware.keypad.electrodes)
})

t.test('ops, central and the mqtt urls and tls sections', async (t) => {
  const { problemsOf, configOf } = await import('../support/validated-config.js')
  const config = configOf({
    mqtt: { urls: ['mqtts://a.example:8883', 'mqtts://b.example:8883'], tls: { caFile: '/etc/cs/ca.pem', certFile: '/etc/cs/st.pem', keyFile: '/etc/cs/st.key' } },
    ops: { trustedKeys: ['/etc/cs/ops-1.pub', '/etc/cs/ops-2.pub'], maxSkewS: 120 },
    central: { trustedKeys: ['/etc/cs/central.pub'] },
  })
  t.same(config.mqtt.urls, ['mqtts://a.example:8883', 'mqtts://b.example:8883'])
  t.same(config.mqtt.tls, { caFile: '/etc/cs/ca.pem', certFile: '/etc/cs/st.pem', keyFile: '/etc/cs/st.key' })
  t.same(config.ops, { trustedKeys: ['/etc/cs/ops-1.pub', '/etc/cs/ops-2.pub'], maxSkewS: 120 })
  t.same(config.central.trustedKeys, ['/etc/cs/central.pub'])
  const problems = problemsOf({
    mqtt: { urls: ['mqtt://a.example', 'auto'], tls: { caFile: 'ca.pem' } },
    ops: { trustedKeys: 'ops.pub', maxSkewS: 1 },
    central: { trustedKeys: ['relative.pub'] },
  })
  t.match(problems.join('\n'), /mqtt\.urls: must be a non-empty list of broker URLs: item 1 must be a broker URL \('auto' belongs in mqtt\.url\)/)
  t.match(problems.join('\n'), /mqtt\.tls\.caFile: must be an absolute path/)
  t.match(problems.join('\n'), /mqtt\.tls\.certFile: is required/)
  t.match(problems.join('\n'), /mqtt\.tls\.keyFile: is required/)
  t.match(problems.join('\n'), /ops\.trustedKeys: must be a list of absolute paths/)
  t.match(problems.join('\n'), /ops\.maxSkewS: /)
  t.match(problems.join('\n'), /central\.trustedKeys: must be a list of absolute paths/)
  const plain = problemsOf({ mqtt: { url: 'mqtt://a.example', tls: { caFile: '/a', certFile: '/b', keyFile: '/c' } } })
  t.match(plain.join('\n'), /mqtt\.tls: needs mqtts:\/\//)
})

t.test('control: group, mode, idle timeout and connection cap (docs/security.md)', async (t) => {
  t.match(base().control, { group: 'citizen-station-tech', mode: 0o660, idleTimeoutMs: 60_000, maxConnections: 64 })
  t.match(configOf({ control: { group: 'kiosk-techs', mode: '0640', idleTimeoutMs: 5000, maxConnections: 8 } }).control, {
    group: 'kiosk-techs',
    mode: 0o640,
    idleTimeoutMs: 5000,
    maxConnections: 8,
  })
  t.equal(configOf({ control: { mode: 0o600 } }).control.mode, 0o600, 'a number (YAML 0o600) is taken as it is')
  t.equal(configOf({ control: { mode: '660' } }).control.mode, 0o660, 'octal digits without the leading 0')
  t.equal(configOf({ control: { group: null } }).control.group, null, 'null: no group')
  t.strictSame(problemsOf({ control: { mode: 660 } }), [
    "control.mode: must be an octal mode such as '0660' (quoted) (got 660)",
  ], 'an unquoted YAML 0660 is the decimal 660: refused, not taken as 0o1224')
  t.strictSame(problemsOf({ control: { mode: '0666' } }), ['control.mode: must give others no access (the socket drives the station) (got "0666")'])
  t.strictSame(problemsOf({ control: { mode: 0o460 } }), ['control.mode: must let the owner read and write (got 0460)'])
  t.strictSame(problemsOf({ control: { group: 'Tech Team' } }), [
    'control.group: must be a group name (a-z, 0-9, _ and -, starting with a letter or _, at most 32 characters) (got "Tech Team")',
  ])
  t.strictSame(problemsOf({ control: { idleTimeoutMs: 10, maxConnections: 0 } }), [
    'control.idleTimeoutMs: must be an integer from 100 to 3600000 (got 10)',
    'control.maxConnections: must be an integer from 1 to 1024 (got 0)',
  ])
})
