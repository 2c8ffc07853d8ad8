import t from 'tap'
import { systemClock } from '../../../runtime/core/clock.js'
import { i2cProbeCheck } from '../../../runtime/doctor/i2c-probe-check.js'
import { printerCheck } from '../../../runtime/doctor/printer-check.js'
import { SimEscPosPrinter } from '../../../drivers/printer/sim-escpos-printer.js'
import { SimSerialLink } from '../../../drivers/serial/sim-serial-link.js'
import { openSimHardware } from '../../../runtime/hardware/sim-hardware.js'
import { configOf } from '../../support/validated-config.js'

const config = configOf({ hardware: { simulated: true, nfc: { enabled: true, interface: 'i2c' } } })

t.test('i2c: each chip that answers passes; an unplugged one fails with its address and a fix', async (t) => {
  const { hardware, sim } = openSimHardware(config.hardware, systemClock)
  t.teardown(() => hardware.close())
  const targets = [
    { device: 'display' as const, bus: 1, address: config.hardware.display.address },
    { device: 'keypad' as const, bus: 1, address: config.hardware.keypad.address },
    { device: 'nfc' as const, bus: 1, address: config.hardware.nfc.address },
  ]
  const buses: number[] = []
  const busFor = (bus: number) => {
    buses.push(bus)
    return hardware.rawI2c
  }
  t.match(await i2cProbeCheck(targets, busFor), [
    { check: 'i2c', status: 'pass', summary: 'display at 0x27 on i2c-1 answers' },
    { status: 'pass', summary: 'keypad at 0x5a on i2c-1 answers' },
    { status: 'pass', summary: 'nfc at 0x24 on i2c-1 answers' },
  ])
  t.strictSame(buses, [1, 1, 1])
  sim.unplug('keypad')
  sim.unplug('nfc')
  t.match(await i2cProbeCheck(targets, busFor), [
    { status: 'pass' },
    { status: 'fail', summary: 'keypad at 0x5a on i2c-1: no answer from I2C address 0x5a', fix: /ADDR pin \(i2cdetect -y 1\)/ },
    { status: 'fail', summary: /nfc at 0x24/, fix: /SEL0/ },
  ])
})

t.test('printer: ready passes, near end warns, paper out, cover open and silence fail', async (t) => {
  const { hardware, sim } = openSimHardware(config.hardware, systemClock)
  t.teardown(() => hardware.close())
  const check = () => printerCheck(() => hardware.openPrinterLink(), { ...config.hardware.printer, statusTimeoutMs: 100 }, systemClock)
  t.match(await check(), { check: 'printer', status: 'pass', summary: 'printer ready (status answered)' })
  sim.setPaper('near-end')
  t.match(await check(), { status: 'warn', summary: /paper near its end/ })
  sim.setPaper('out')
  t.match(await check(), { status: 'fail', summary: 'printer answers: out of paper', fix: 'load a paper roll' })
  sim.setPaper('ok')
  sim.setCoverOpen(true)
  t.match(await check(), { status: 'fail', summary: 'printer answers: cover open' })
  sim.setCoverOpen(false)
  sim.setPowered(false)
  t.match(await check(), { status: 'fail', summary: /did not answer DLE EOT 1 within 100 ms/, fix: /switch the printer on/ })
  sim.setPowered(true)
  sim.unplug('printer')
  t.match(await check(), { status: 'fail', summary: /cannot open .*printer is unplugged/, fix: /plug the printer in/ })
})

t.test('printer: a printer reporting a cutter error fails with its own fix', async (t) => {
  const cable = SimSerialLink.pair('/dev/serial/by-id/usb-printer')
  const printer = new SimEscPosPrinter(cable.device, { profile: config.hardware.printer })
  printer.setFault('autocutter')
  t.match(await printerCheck(async () => cable.host, config.hardware.printer, systemClock), {
    status: 'fail',
    summary: /error \(mechanism or cutter\)/,
    fix: /clear the jam/,
  })
  t.notOk(cable.host.isOpen, 'the check closes the link it opened')
})
