import t from 'tap'
import {
  absolutePath,
  intInRange,
  isPlainObject,
  maskUrlPassword,
  oneOf,
  parseI2cAddress,
  serialPath,
  socketPath,
  socketMode,
  parseFileMode,
  url,
} from '../../config/checks.js'
import { bcmLine, groupName, i2cAddress, stationId, topicPrefix } from '../../config/option-checks.js'

t.test('intInRange accepts integers inside the bounds and rejects the rest', async (t) => {
  t.equal(intInRange(1, 1, 10), null)
  t.equal(intInRange(10, 1, 10), null)
  for (const bad of [0, 11, 1.5, '5', null, Number.NaN]) {
    t.equal(intInRange(bad, 1, 10), 'must be an integer from 1 to 10', `rejects ${String(bad)}`)
  }
})

t.test('oneOf lists the allowed values, and names the only one when there is one', async (t) => {
  t.equal(oneOf('en', ['vi', 'en']), null)
  t.equal(oneOf('fr', ['vi', 'en']), 'must be one of "vi", "en"')
  t.equal(oneOf('lcd', ['hd44780-pcf8574']), 'must be "hd44780-pcf8574"')
})

t.test('i2cAddress accepts numbers and 0x strings in the unreserved 7-bit range', async (t) => {
  t.equal(i2cAddress(0x27), null)
  t.equal(i2cAddress('0x27'), null)
  t.equal(i2cAddress('0X3F'), null)
  t.equal(parseI2cAddress('0x27'), 0x27)
  t.equal(parseI2cAddress('39'), undefined, 'decimal strings are not addresses')
  for (const bad of [0x07, 0x78, 0x100, -1, '27', '0x', 'abc', 39.5, null]) {
    t.not(i2cAddress(bad), null, `rejects ${JSON.stringify(bad)}`)
  }
})

t.test('serialPath wants an absolute, stable path', async (t) => {
  t.equal(serialPath('/dev/serial/by-id/usb-printer'), null)
  t.equal(serialPath('/dev/ttyAMA0'), null, 'the header UART keeps its name')
  t.match(serialPath('/dev/ttyUSB0'), /by-id/)
  t.match(serialPath('/dev/ttyACM12'), /by-id/)
  t.equal(serialPath('ttyS0'), 'must be an absolute path')
  t.equal(serialPath(''), 'must be a file system path')
  t.equal(serialPath(9600), 'must be a file system path')
})

t.test('url accepts the four broker schemes and auto, and refuses passwords', async (t) => {
  for (const good of ['auto', 'mqtt://localhost', 'mqtts://broker.example:8883', 'ws://h/mqtt', 'wss://h:443/mqtt', 'mqtt://user@h']) {
    t.equal(url(good), null, good)
  }
  for (const bad of ['http://h', 'localhost:1883', '', 'AUTO', 42]) {
    t.match(url(bad), /broker URL/, `rejects ${JSON.stringify(bad)}`)
  }
  t.equal(url('mqtt://'), 'must name the broker host')
  t.match(url('mqtts://u:secret@h'), /passwordFile/)
})

t.test('maskUrlPassword hides only the password', async (t) => {
  t.equal(maskUrlPassword('mqtts://u:secret@h:8883'), 'mqtts://u:***@h:8883')
  t.equal(maskUrlPassword('mqtt://h:1883'), 'mqtt://h:1883')
  t.equal(maskUrlPassword(5), 5)
})

t.test('stationId allows 3 to 40 of a-z, 0-9 and -', async (t) => {
  t.equal(stationId('hn-badinh-001'), null)
  t.equal(stationId('abc'), null)
  t.equal(stationId('a'.repeat(40)), null)
  for (const bad of ['ab', 'a'.repeat(41), 'HN-1', 'hn_1', 'hn/1', 5]) t.not(stationId(bad), null, `rejects ${String(bad)}`)
})

t.test('bcmLine allows 0..53', async (t) => {
  t.equal(bcmLine(0), null)
  t.equal(bcmLine(53), null)
  t.equal(bcmLine(54), 'must be a BCM GPIO line from 0 to 53')
  t.not(bcmLine('17'), null)
})

t.test('topicPrefix refuses wildcards, empty levels and $ topics', async (t) => {
  t.equal(topicPrefix('cs/v1'), null)
  for (const bad of ['', '/cs', 'cs/', 'cs//v1', 'cs/+', 'cs/#', '$SYS', 7]) t.not(topicPrefix(bad), null, `rejects ${String(bad)}`)
})

t.test('socketPath fits sun_path', async (t) => {
  t.equal(socketPath('/run/s.sock'), null)
  t.equal(socketPath(`/${'a'.repeat(106)}`), null)
  t.match(socketPath(`/${'a'.repeat(107)}`), /107 bytes/)
  t.equal(socketPath('run/s.sock'), 'must be an absolute path')
})

t.test('absolutePath and isPlainObject', async (t) => {
  t.equal(absolutePath('/a'), null)
  t.not(absolutePath('a\0b'), null)
  t.equal(isPlainObject({}), true)
  t.equal(isPlainObject(Object.create(null)), true)
  t.equal(isPlainObject([]), false)
  t.equal(isPlainObject(null), false)
  t.equal(isPlainObject(new Date()), false)
})

t.test('socketMode: owner read-write, nothing for others', async (t) => {
  t.equal(socketMode('0660'), null)
  t.equal(socketMode('0600'), null)
  t.equal(socketMode(0o640), null)
  t.match(socketMode('0777'), /others/)
  t.match(socketMode('0400'), /owner/)
  t.match(socketMode('rw-rw----'), /octal/)
  t.match(socketMode(-1), /octal/)
  t.equal(parseFileMode('0750'), 0o750)
  t.equal(parseFileMode(1000), undefined)
  t.equal(groupName('citizen-station-tech'), null)
  t.equal(groupName('_svc$'), null)
  t.match(groupName('9lives'), /group name/)
  t.match(groupName(7), /group name/)
})
