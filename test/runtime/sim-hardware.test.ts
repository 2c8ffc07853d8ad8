/**
 * The simulated rig under a `--sim` station (openSimHardware, reached through openHardware as the
 * station does): each control moves the simulated chip or line the way the real thing would, so the
 * real drivers see it through the same bus and lines.
 */
import type { Test } from 'tap'
import t from 'tap'
import { defaultConfig } from '../../config/defaults.js'
import type { HardwareConfig, KeyName } from '../../config/schema.js'
import { isPwmLine } from '../../drivers/gpio/pwm-line.js'
import { ECR, TOUCH_STATUS_0 } from '../../drivers/keypad/mpr121-registers.js'
import { getFirmwareVersion, parseFirmwareVersion, SAM_MODE, samConfiguration } from '../../drivers/nfc/pn532-commands.js'
import { decodeTouchReport } from '../../drivers/touch/ft6x36-codec.js'
import { DEV_MODE, FT6X36_ADDRESS, FT6X36_MAX_POINTS, G_MODE_TRIGGER, ID_G_MODE, P2_MISC } from '../../drivers/touch/ft6x36-registers.js'
import { systemClock } from '../../runtime/core/clock.js'
import type { Hardware } from '../../runtime/hardware/hardware.js'
import { openHardware } from '../../runtime/hardware/open-hardware.js'
import type { SimRig } from '../../runtime/hardware/sim-rig.js'
import { touchZonesOf } from '../../runtime/touch-zones.js'

/** A fresh default hardware config, simulated, for `adjust` to change. */
function hardwareConfig(adjust: (config: HardwareConfig) => void = () => undefined): HardwareConfig {
  const config = defaultConfig('/nonexistent/data', '/nonexistent/flows').hardware
  config.simulated = true
  adjust(config)
  return config
}

async function openRig(t: Test, config: HardwareConfig): Promise<{ hardware: Hardware; rig: SimRig }> {
  const { hardware, sim } = await openHardware(config, systemClock)
  t.teardown(() => hardware.close())
  if (!sim) throw new Error('expected a simulated rig')
  return { hardware, rig: sim }
}

/** Puts the MPR121 in run mode with all 12 electrodes, as the driver does; touch status reads 0 in stop mode. */
async function runMpr121(hardware: Hardware, address: number): Promise<void> {
  await hardware.i2c.writeRegister(address, ECR, Uint8Array.of(0x8c))
}

/** Touch status word as the host reads it (registers 0x00, 0x01): bit n = electrode n. */
async function readTouchStatus(hardware: Hardware, address: number): Promise<number> {
  const [low = 0, high = 0] = await hardware.i2c.readRegister(address, TOUCH_STATUS_0, 2)
  return low | (high << 8)
}

/** The FT6x36 report as the host reads it: DEV_MODE (0x00) through the second point. */
async function readTouchReport(hardware: Hardware, address: number) {
  const bytes = await hardware.i2c.readRegister(address, DEV_MODE, P2_MISC + 1)
  return decodeTouchReport(bytes, { maxPoints: FT6X36_MAX_POINTS })
}

t.test('mpr121: a key goes down and up on the electrode wired to it', async (t) => {
  // Wired in reverse, so the default wiring cannot pass by luck: electrode 11 is '1', electrode 0 is 'ok'.
  const config = hardwareConfig((c) => {
    c.keypad.electrodes = [...c.keypad.electrodes].reverse()
  })
  const { hardware, rig } = await openRig(t, config)
  await runMpr121(hardware, config.keypad.address)
  t.equal(rig.keypad.peek(TOUCH_STATUS_0), 0, 'nothing touched')

  rig.keyDown('1')
  t.equal(rig.keypad.peek(TOUCH_STATUS_0 + 1), 1 << (11 - 8), "'1' touches electrode 11 (bit 3 of 0x01)")
  t.equal(rig.keypad.peek(TOUCH_STATUS_0), 0)
  t.equal(rig.keypad.irqAsserted, true, 'the chip raises IRQ for the change')
  t.equal(await readTouchStatus(hardware, config.keypad.address), 1 << 11, 'the host reads the same over the bus')
  rig.keyUp('1')
  t.equal(await readTouchStatus(hardware, config.keypad.address), 0, 'the finger left')

  rig.keyDown('ok')
  t.equal(await readTouchStatus(hardware, config.keypad.address), 1 << 0, "'ok' is electrode 0")
  rig.keyUp('ok')
  t.equal(await readTouchStatus(hardware, config.keypad.address), 0)
  t.equal(rig.touchPanel, null, 'no touch panel on an MPR121 keypad')
})

t.test('mpr121: a key no electrode is wired to is refused with a TypeError', async (t) => {
  // 'back' is left unwired (electrode 9 doubles as '0'); both are legal config, but 'back' has no pad.
  const config = hardwareConfig((c) => {
    c.keypad.electrodes = c.keypad.electrodes.map((key) => (key === 'back' ? '0' : key))
  })
  const { rig } = await openRig(t, config)
  t.throws(() => rig.keyDown('back'), TypeError)
  t.throws(() => rig.keyUp('back'), TypeError)
  t.throws(() => rig.keyDown('x' as KeyName), { name: 'TypeError', message: /no electrode is wired to key 'x'/ })
})

t.test('ft6x36: a key is a finger in the middle of its zone', async (t) => {
  const config = hardwareConfig((c) => {
    c.keypad.kind = 'ft6x36'
    c.keypad.address = FT6X36_ADDRESS
  })
  const { hardware, rig } = await openRig(t, config)
  const panel = rig.touchPanel
  if (!panel) throw new Error('expected a touch panel')
  const zones = touchZonesOf(config.keypad)
  for (const key of ['1', '5', 'ok'] as const) {
    const zone = zones.find((candidate) => candidate.key === key)
    if (!zone) throw new Error(`no zone for ${key}`)
    rig.keyDown(key)
    t.same(panel.touchIds, [0], `'${key}': one finger on the glass`)
    const [point] = (await readTouchReport(hardware, config.keypad.address)).points
    t.ok(point, `'${key}': the report has a point`)
    const x = point?.x ?? -1
    const y = point?.y ?? -1
    t.ok(x >= zone.x && x < zone.x + zone.widthPx && y >= zone.y && y < zone.y + zone.heightPx, `'${key}' at (${x}, ${y}) is inside its zone`)
    t.ok(Math.abs(x - (zone.x + zone.widthPx / 2)) <= 1 && Math.abs(y - (zone.y + zone.heightPx / 2)) <= 1, `'${key}' is in the middle of it`)
    rig.keyUp(key)
    t.same(panel.touchIds, [], `'${key}': the finger lifted`)
    t.equal((await readTouchReport(hardware, config.keypad.address)).touches, 0)
  }
})

t.test('ft6x36: configured zones are used, and a key without a zone is refused with a TypeError', async (t) => {
  const config = hardwareConfig((c) => {
    c.keypad.kind = 'ft6x36'
    c.keypad.address = FT6X36_ADDRESS
    c.keypad.touch.zones = [{ key: '5', x: 1000, y: 2000, widthPx: 100, heightPx: 60 }]
  })
  const { hardware, rig } = await openRig(t, config)
  rig.keyDown('5')
  const report = await readTouchReport(hardware, config.keypad.address)
  t.same(
    report.points.map((point) => [point.x, point.y]),
    [[1050, 2030]],
    'the middle of the configured zone',
  )
  rig.keyUp('5')
  t.throws(() => rig.keyDown('1'), { name: 'TypeError', message: /no key zone on the touch panel is '1'/ })
  t.throws(() => rig.keyUp('1'), TypeError)
})

t.test('mpr121 irq line: high when idle, low on a change, high again once the host reads the status', async (t) => {
  const irqLine = 17
  const config = hardwareConfig((c) => {
    c.keypad.irqLine = irqLine
  })
  const { hardware, rig } = await openRig(t, config)
  t.equal(rig.gpio.level(irqLine), 1, 'idle high (active low)')
  await runMpr121(hardware, config.keypad.address)
  t.equal(rig.gpio.level(irqLine), 1, 'still high in run mode with nothing touched')

  rig.keyDown('7')
  t.equal(rig.gpio.level(irqLine), 0, 'a touch pulls it low')
  t.equal(await readTouchStatus(hardware, config.keypad.address), 1 << config.keypad.electrodes.indexOf('7'))
  t.equal(rig.gpio.level(irqLine), 1, 'reading the status releases it while the finger stays')

  rig.keyUp('7')
  t.equal(rig.gpio.level(irqLine), 0, 'the release is a change too')
  t.equal(await readTouchStatus(hardware, config.keypad.address), 0)
  t.equal(rig.gpio.level(irqLine), 1)
})

t.test('ft6x36 irq line: trigger mode releases it on the report read; polling mode holds it while touched', async (t) => {
  const irqLine = 27
  const config = hardwareConfig((c) => {
    c.keypad.kind = 'ft6x36'
    c.keypad.address = FT6X36_ADDRESS
    c.keypad.irqLine = irqLine
  })
  const { hardware, rig } = await openRig(t, config)
  const address = config.keypad.address
  t.equal(rig.gpio.level(irqLine), 1, 'idle high (active low)')

  // Polling mode (the power-on mode here): INT is low for as long as a finger is down.
  rig.keyDown('2')
  t.equal(rig.gpio.level(irqLine), 0, 'a touch pulls it low')
  t.equal((await readTouchReport(hardware, address)).touches, 1)
  t.equal(rig.gpio.level(irqLine), 0, 'polling mode: still low after the read, the finger is down')
  rig.keyUp('2')
  t.equal(rig.gpio.level(irqLine), 1, 'high once the finger lifts')

  // Trigger mode: one pulse per new report, over when the host reads it.
  await hardware.i2c.writeRegister(address, ID_G_MODE, Uint8Array.of(G_MODE_TRIGGER))
  await readTouchReport(hardware, address)
  t.equal(rig.gpio.level(irqLine), 1, 'trigger mode, nothing new: high')
  rig.keyDown('8')
  t.equal(rig.gpio.level(irqLine), 0, 'a new report pulls it low')
  t.same((await readTouchReport(hardware, address)).points.map((point) => point.event), ['down'])
  t.equal(rig.gpio.level(irqLine), 1, 'reading the report from 0x00 releases it')
  rig.keyUp('8')
  t.equal(rig.gpio.level(irqLine), 0, 'the lift is a new report')
  await readTouchReport(hardware, address)
  t.equal(rig.gpio.level(irqLine), 1)
})

t.test('gpio lines: pigpio lines can do PWM, onoff lines cannot, and written levels reach the rig', async (t) => {
  const { hardware, rig } = await openRig(t, hardwareConfig())
  const buzzer = await hardware.openGpioLine({ purpose: 'buzzer', bcm: 18, direction: 'out', backend: 'pigpio' })
  t.equal(isPwmLine(buzzer), true, 'pigpio: PWM')
  const led = await hardware.openGpioLine({ purpose: 'leds.green', bcm: 23, direction: 'out', backend: 'onoff' })
  t.equal(isPwmLine(led), false, 'onoff: no PWM, so drivers take their on/off path')

  await led.write(1)
  t.equal(rig.gpio.level(23), 1)
  await led.write(0)
  t.equal(rig.gpio.level(23), 0)
  t.same(
    rig.gpio.history(23).map((change) => [change.level, change.by]),
    [
      [1, 'write'],
      [0, 'write'],
    ],
  )
  await buzzer.write(1)
  t.equal(rig.gpio.level(18), 1, 'the pigpio line writes too')
  if (isPwmLine(buzzer)) await buzzer.pwm(0.5, 2700)
  t.same(rig.gpio.pwmHistory(18).map((change) => [change.dutyCycle, change.frequencyHz]), [[0.5, 2700]])
  t.equal(await led.read(), 0, 'a line reads back its level')
})

for (const openLevel of [1, 0] as const) {
  t.test(`tamper with openLevel ${openLevel}: the door moves the line to ${openLevel} and back`, async (t) => {
    const config = hardwareConfig((c) => {
      c.tamper.enabled = true
      c.tamper.line = 16
      c.tamper.openLevel = openLevel
    })
    const { rig } = await openRig(t, config)
    const closedLevel = openLevel === 1 ? 0 : 1
    t.equal(rig.gpio.level(16), closedLevel, 'the door starts closed')
    rig.setTamperOpen(true)
    t.equal(rig.gpio.level(16), openLevel, 'open')
    rig.setTamperOpen(false)
    t.equal(rig.gpio.level(16), closedLevel, 'closed again')
  })
}

t.test('tamper: opening a door that has no switch is refused', async (t) => {
  const { rig } = await openRig(t, hardwareConfig())
  t.throws(() => rig.setTamperOpen(true), { name: 'TypeError', message: /no tamper switch/ })
})

t.test('wiegand: the reader pulses the configured DATA0 and DATA1 lines', async (t) => {
  const config = hardwareConfig((c) => {
    c.wiegand.enabled = true
    c.wiegand.d0Line = 20
    c.wiegand.d1Line = 21
  })
  const { rig } = await openRig(t, config)
  const reader = rig.wiegand
  if (!reader) throw new Error('expected a Wiegand reader')
  t.equal(rig.gpio.level(20), 1, 'DATA0 idles high')
  t.equal(rig.gpio.level(21), 1, 'DATA1 idles high')
  reader.present('010')
  const levels = (line: number) => rig.gpio.history(line).map((change) => change.level)
  t.same(levels(20), [1, 0, 1, 0, 1], 'DATA0: idle, then a low pulse for each 0')
  t.same(levels(21), [1, 0, 1], 'DATA1: idle, then a low pulse for the 1')
  const [, d0First, , d0Second] = rig.gpio.history(20)
  const [, d1Pulse] = rig.gpio.history(21)
  t.ok(d0First && d1Pulse && d0Second && d0First.tickUs < d1Pulse.tickUs && d1Pulse.tickUs < d0Second.tickUs, 'pulses in frame order')

  const without = await openRig(t, hardwareConfig())
  t.equal(without.rig.wiegand, null, 'no reader when disabled')
})

t.test('nfc on i2c: unplugging detaches the PN532, replugging brings it back powered up', async (t) => {
  const config = hardwareConfig((c) => {
    c.nfc.enabled = true
    c.nfc.interface = 'i2c'
  })
  const { hardware, rig } = await openRig(t, config)
  const chip = rig.nfc
  if (!chip) throw new Error('expected a simulated PN532')
  const { transport } = await hardware.openNfcTransport(systemClock)
  await transport.exchange(samConfiguration(SAM_MODE.normal), { timeoutMs: 1000 })
  t.equal(chip.lowVbat, false, 'set up through the transport')
  t.same(await hardware.i2c.read(config.nfc.address, 1), Uint8Array.of(0), 'the PN532 answers its address (status: idle)')

  rig.unplug('nfc')
  await t.rejects(hardware.i2c.read(config.nfc.address, 1), { code: 'E_I2C_NACK' }, 'nothing acknowledges while unplugged')
  await t.rejects(transport.exchange(getFirmwareVersion(), { timeoutMs: 1000 }), { code: 'E_I2C_NACK' })

  rig.replug('nfc')
  t.equal(chip.lowVbat, true, 'replugged = powered up from scratch')
  const firmware = parseFirmwareVersion(await transport.exchange(getFirmwareVersion(), { timeoutMs: 1000 }))
  t.match(firmware.ic, /PN532/, 'the same transport reaches it again')
  rig.replug('nfc')
  t.pass('a second replug is harmless')
})

t.test('nfc on i2c: bus noise fails the next transactions at its address with EIO', async (t) => {
  const config = hardwareConfig((c) => {
    c.nfc.enabled = true
  })
  const { hardware, rig } = await openRig(t, config)
  // The station's bus retries an EIO twice, so three failures in a row get through to the caller.
  rig.i2cNoise('nfc', 3)
  await t.rejects(hardware.i2c.read(config.nfc.address, 1), { code: 'E_I2C_IO' })
  t.same(await hardware.i2c.read(config.nfc.address, 1), Uint8Array.of(0), 'the noise is over')
  rig.i2cNoise('nfc', 2)
  t.same(await hardware.i2c.read(config.nfc.address, 1), Uint8Array.of(0), 'two glitches are retried away')
})

t.test('nfc on hsu: no transport while unplugged, a working one after replug; no bus noise', async (t) => {
  const config = hardwareConfig((c) => {
    c.nfc.enabled = true
    c.nfc.interface = 'hsu'
  })
  const { hardware, rig } = await openRig(t, config)
  const chip = rig.nfc
  if (!chip) throw new Error('expected a simulated PN532')
  const firstConnection = await hardware.openNfcTransport(systemClock)
  const first = firstConnection.transport
  t.equal(first.description, `HSU ${config.nfc.path}`)
  await first.exchange(samConfiguration(SAM_MODE.normal), { timeoutMs: 1000 })

  rig.unplug('nfc')
  await t.rejects(first.exchange(getFirmwareVersion(), { timeoutMs: 1000 }), { code: 'E_SERIAL_IO' }, 'the open cable is gone')
  await t.rejects(hardware.openNfcTransport(systemClock), { code: 'E_DEVICE_ABSENT', message: /nfc is unplugged/ })

  rig.replug('nfc')
  t.equal(chip.lowVbat, true, 'replugged = powered up from scratch')
  await firstConnection.close()
  await firstConnection.close()
  t.pass('closing the dead connection twice is harmless')
  const secondConnection = await hardware.openNfcTransport(systemClock)
  const second = secondConnection.transport
  // Power-up: asleep and in LowVbat mode until woken and sent SAMConfiguration.
  await second.exchange(samConfiguration(SAM_MODE.normal), { timeoutMs: 1000 })
  const firmware = parseFirmwareVersion(await second.exchange(getFirmwareVersion(), { timeoutMs: 1000 }))
  t.match(firmware.ic, /PN532/)
  await secondConnection.close()
  await t.rejects(second.exchange(getFirmwareVersion(), { timeoutMs: 200 }), 'a closed connection sends nothing')

  t.throws(() => rig.i2cNoise('nfc', 1), { name: 'TypeError', message: /not on the I2C bus/ })
})

t.test('nfc disabled: there is no chip, no transport, and nothing to unplug', async (t) => {
  const { hardware, rig } = await openRig(t, hardwareConfig())
  t.equal(rig.nfc, null)
  await t.rejects(hardware.openNfcTransport(systemClock), { code: 'E_DEVICE_ABSENT' })
  t.throws(() => rig.unplug('nfc'), { name: 'TypeError', message: /no NFC reader/ })
  t.throws(() => rig.i2cNoise('nfc', 1), TypeError)
})
