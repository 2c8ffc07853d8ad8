import t from 'tap'
import { Hd44780Display } from '../../../drivers/display/hd44780-display.js'
import { SimHd44780Pcf8574 } from '../../../drivers/display/sim-hd44780.js'
import { SimI2cBus } from '../../../drivers/i2c/sim-i2c-bus.js'
import { StationError } from '../../../runtime/core/errors.js'
import { SimClock } from '../../../runtime/core/sim-clock.js'
import { driveClock as drive } from '../../support/drive-clock.js'

const ADDRESS = 0x27
const BLANK = ' '.repeat(20)

/** SimClock, SimI2cBus with a 20x4 SimHd44780Pcf8574 at 0x27, and the real driver. */
function rig() {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  const chip = new SimHd44780Pcf8574({ clock })
  bus.attach(ADDRESS, chip)
  const display = new Hd44780Display({ bus, clock }, { address: ADDRESS, cols: 20, rows: 4 })
  return { clock, bus, chip, display }
}

t.test('start initialises the controller with the data sheet waits and leaves a blank lit screen', async (t) => {
  const { clock, chip, display } = rig()
  t.equal(display.health().state, 'stopped')
  const started = display.start()
  await clock.advanceAsync(10)
  t.notOk(chip.initialised, 'still waiting out the power-up time')
  await drive(clock, started)
  t.ok(chip.initialised)
  t.ok(chip.displayOn)
  t.ok(chip.backlight)
  t.equal(chip.lostInstructions, 0, 'every wait was long enough')
  t.strictSame(chip.rows(), [BLANK, BLANK, BLANK, BLANK])
  t.equal(display.health().state, 'ok')
})

t.test('shows Vietnamese text folded to ASCII, padded, long rows cut to the width', async (t) => {
  const { clock, chip, display } = rig()
  await drive(clock, display.start())
  await drive(clock, display.show(['Xin chào, công dân', 'Nộp hồ sơ hành chính trực tuyến', '', 'a\\b~c']))
  t.strictSame(chip.rows(), ['Xin chao, cong dan  ', 'Nop ho so hanh chinh', BLANK, 'a/b-c'.padEnd(20)])
})

t.test('missing rows are blank and rows beyond the fourth are dropped', async (t) => {
  const { clock, chip, display } = rig()
  await drive(clock, display.start())
  await drive(clock, display.show(['one', 'two', 'three', 'four', 'five']))
  await drive(clock, display.show(['only']))
  t.strictSame(chip.rows(), ['only'.padEnd(20), BLANK, BLANK, BLANK])
})

t.test('rewrites only the rows that changed, one transaction per row', async (t) => {
  const { clock, bus, display } = rig()
  await drive(clock, display.start())
  await drive(clock, display.show(['a', 'b', 'c', 'd']))
  bus.clearTransactions()
  await drive(clock, display.show(['a', 'b', 'c', 'd']))
  t.equal(bus.transactions.length, 0)
  await drive(clock, display.show(['a', 'B', 'c', 'd']))
  t.equal(bus.transactions.length, 1)
  t.equal(bus.transactions[0]?.bytes.length, 4 * 21, 'cursor command plus 20 characters')
})

t.test('shows called back to back run in order and the last one wins', async (t) => {
  const { clock, chip, display } = rig()
  await drive(clock, display.start())
  const first = display.show(['first'])
  const second = display.show(['second'])
  await drive(clock, Promise.all([first, second]))
  t.equal(chip.rows()[0], 'second'.padEnd(20))
})

t.test('a bus error fails the show and marks health faulty; the next show reinitialises and redraws', async (t) => {
  const { clock, bus, chip, display } = rig()
  await drive(clock, display.start())
  await drive(clock, display.show(['keep', 'this']))
  bus.failNext(ADDRESS, 'eio', 2) // the write and the re-initialisation that follows it
  await t.rejects(drive(clock, display.show(['new', 'this'])), { code: 'E_I2C_IO' })
  t.match(display.health(), { state: 'faulty', lastErrorCode: 'E_I2C_IO' })
  chip.powerCycle() // worst case: the module also lost power meanwhile
  await drive(clock, display.show(['new', 'this']))
  t.strictSame(chip.rows(), ['new'.padEnd(20), 'this'.padEnd(20), BLANK, BLANK])
  t.equal(display.health().state, 'ok')
})

t.test('one glitch is absorbed: the show re-initialises and redraws at once', async (t) => {
  const { clock, bus, chip, display } = rig()
  await drive(clock, display.start())
  await drive(clock, display.show(['keep', 'this']))
  bus.failNext(ADDRESS, 'eio', 1)
  await drive(clock, display.show(['new', 'this']))
  t.strictSame(chip.rows(), ['new'.padEnd(20), 'this'.padEnd(20), BLANK, BLANK])
  t.equal(display.health().state, 'ok')
})

t.test('a row write that reached the controller in part is not simply repeated: the screen comes out right', async (t) => {
  const clock = new SimClock(0)
  const bus = new SimI2cBus()
  const chip = new SimHd44780Pcf8574({ clock })
  // The backpack latches the first 6 bytes of one row write (1.5 characters' worth of nibble strobes,
  // leaving the controller between the two nibbles of a byte), then the transfer fails.
  let breakNextRow = false
  bus.attach(ADDRESS, {
    write(bytes: Uint8Array) {
      if (breakNextRow && bytes.length > 40) {
        breakNextRow = false
        chip.write(bytes.subarray(0, 6))
        throw new StationError('E_I2C_IO', 'transfer broke off', { errno: 'EIO' })
      }
      chip.write(bytes)
    },
    read: (length: number) => chip.read(length),
  })
  const display = new Hd44780Display({ bus, clock }, { address: ADDRESS, cols: 20, rows: 4 })
  await drive(clock, display.start())
  breakNextRow = true
  await drive(clock, display.show(['Xin chao', 'Quet CCCD']))
  t.strictSame(chip.rows(), ['Xin chao'.padEnd(20), 'Quet CCCD'.padEnd(20), BLANK, BLANK])
})

t.test('start rejects with E_I2C_NACK when nothing answers at the address', async (t) => {
  const { clock, bus, display } = rig()
  bus.detach(ADDRESS)
  await t.rejects(drive(clock, display.start()), { code: 'E_I2C_NACK', context: { address: ADDRESS } })
  t.match(display.health(), { state: 'faulty', lastErrorCode: 'E_I2C_NACK' })
})

t.test('clear blanks the screen and keeps the backlight on', async (t) => {
  const { clock, chip, display } = rig()
  await drive(clock, display.start())
  await drive(clock, display.show(['text']))
  await drive(clock, display.clear())
  t.strictSame(chip.rows(), [BLANK, BLANK, BLANK, BLANK])
  t.ok(chip.backlight)
  await drive(clock, display.show(['text']))
  t.equal(chip.rows()[0], 'text'.padEnd(20), 'the driver knows the screen was cleared')
})

t.test('stop blanks the screen and turns the backlight off; it is idempotent and never rejects', async (t) => {
  const { clock, bus, chip, display } = rig()
  await drive(clock, display.stop())
  await drive(clock, display.start())
  await drive(clock, display.show(['bye']))
  await drive(clock, display.stop())
  t.strictSame(chip.rows(), [BLANK, BLANK, BLANK, BLANK])
  t.notOk(chip.backlight)
  t.equal(display.health().state, 'stopped')
  await drive(clock, display.stop())
  await drive(clock, display.start())
  bus.detach(ADDRESS)
  await drive(clock, display.stop())
  t.match(display.health(), { state: 'stopped', lastErrorCode: 'E_I2C_NACK' })
})

t.test('refuses geometries the controller cannot address', async (t) => {
  const { bus, clock } = rig()
  t.throws(() => new Hd44780Display({ bus, clock }, { address: ADDRESS, cols: 24, rows: 4 }), TypeError)
  t.throws(() => new Hd44780Display({ bus, clock }, { address: ADDRESS, cols: 16, rows: 1 }), TypeError)
  t.throws(() => new Hd44780Display({ bus, clock }, { address: 0x80, cols: 20, rows: 4 }), TypeError)
})
