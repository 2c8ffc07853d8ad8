import type { I2cBus } from '../../drivers/i2c/i2c-bus.js'
import { formatAddress } from '../../drivers/i2c/i2c-address.js'
import { messageOf } from '../core/errors.js'
import { fail, pass, type CheckResult } from './check-result.js'

export interface I2cTarget {
  device: 'display' | 'keypad' | 'nfc'
  bus: number
  address: number
}

const FIX: Readonly<Record<I2cTarget['device'], string>> = {
  display: 'check the LCD backpack wiring and address (i2cdetect -y BUS)',
  keypad: 'check the keypad wiring and its ADDR pin (i2cdetect -y BUS)',
  nfc: 'check the PN532 wiring and SEL0/SEL1 switches (I2C mode)',
}

/**
 * Each I2C device must answer at its address. A one-byte plain read, as `i2cdetect -r` does: it
 * changes no state on the PCF8574, MPR121, FT6x36 or PN532, unlike a write.
 */
export async function i2cProbeCheck(targets: readonly I2cTarget[], busFor: (bus: number) => I2cBus): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  // One at a time: transactions on one bus are serialised anyway, and the output keeps config order.
  for (const target of targets) {
    const where = `${target.device} at ${formatAddress(target.address)} on i2c-${target.bus}`
    try {
      await busFor(target.bus).read(target.address, 1)
      results.push(pass('i2c', `${where} answers`))
    } catch (error) {
      results.push(fail('i2c', `${where}: ${messageOf(error)}`, FIX[target.device].replace('BUS', String(target.bus))))
    }
  }
  return results
}
