/**
 * BCM GPIO numbers to legacy sysfs numbers (docs/protocols.md 9.1). The kernel assigns chip bases dynamically
 * (0, 399, 512, 571 … depending on board and kernel), so the base must be read from the header chip,
 * found by its label; the lowest or highest gpiochipN is the wrong chip on some boards.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StationError } from '../../runtime/core/errors.js'
import { errnoOf } from './gpio-error.js'

/** One `/sys/class/gpio/gpiochipN` entry. */
export interface GpioChipInfo {
  /** The directory name, `gpiochip<base>`. */
  readonly name: string
  /** Contents of `label`, e.g. `pinctrl-bcm2711`. */
  readonly label: string
  /** Contents of `ngpio`: how many lines the chip has. */
  readonly ngpio: number
}

/**
 * Labels of the chip that drives the 40-pin header: Pi 0–3, Pi 4, Pi 5 (RP1). docs/protocols.md 9.1.
 * Other chips (firmware expander `raspberrypi-exp-gpio`, the Pi 5's `gpio-brcmstb@…`) are not the header.
 */
export const HEADER_CHIP_LABELS = ['pinctrl-bcm2835', 'pinctrl-bcm2711', 'pinctrl-rp1'] as const

const CHIP_NAME = /^gpiochip(\d+)$/

/**
 * The sysfs number of header line `bcm`: base of the header chip + `bcm`. Pure.
 * Throws a TypeError for a `bcm` that is not a non-negative integer; E_DEVICE_ABSENT when no chip has a
 * header label (not a Raspberry Pi, or the pinctrl driver is not loaded); E_CODEC_INVALID when the header
 * chips are ambiguous or a header chip's name is not `gpiochip<base>`; E_CONFIG_INVALID when `bcm` is
 * beyond the chip's lines.
 */
export function sysfsNumber(chips: readonly GpioChipInfo[], bcm: number): number {
  if (!Number.isInteger(bcm) || bcm < 0) throw new TypeError(`bcm must be a non-negative integer (got ${String(bcm)})`)
  const headers = chips.filter((chip) => (HEADER_CHIP_LABELS as readonly string[]).includes(chip.label))
  const header = headers[0]
  if (header === undefined) {
    const found = chips.map((chip) => `${chip.name} (${chip.label})`).join(', ') || 'no GPIO chips'
    throw new StationError(
      'E_DEVICE_ABSENT',
      `no Raspberry Pi header GPIO chip (${HEADER_CHIP_LABELS.join('|')}) among ${found}`,
      { bcm, chips: chips.length },
    )
  }
  if (headers.length > 1) {
    throw new StationError('E_CODEC_INVALID', `more than one header GPIO chip: ${headers.map((chip) => chip.name).join(', ')}`, {
      bcm,
      chips: headers.length,
    })
  }
  const base = CHIP_NAME.exec(header.name)?.[1]
  if (base === undefined) {
    throw new StationError('E_CODEC_INVALID', `GPIO chip name "${header.name}" is not gpiochip<base>`, { label: header.label })
  }
  if (bcm >= header.ngpio) {
    throw new StationError('E_CONFIG_INVALID', `GPIO${bcm} does not exist: ${header.label} has ${header.ngpio} lines`, {
      bcm,
      label: header.label,
      ngpio: header.ngpio,
    })
  }
  return Number(base) + bcm
}

/**
 * Reads every `<sysfsRoot>/gpiochip*` directory (label, ngpio, and base, which must match the name),
 * ordered by base. Rejects with E_DEVICE_ABSENT naming the folder and group `gpio` when the folder is
 * missing or unreadable, and E_CODEC_INVALID when a chip's files are missing or malformed.
 */
export async function readGpioChips(sysfsRoot = '/sys/class/gpio'): Promise<GpioChipInfo[]> {
  let entries: string[]
  try {
    entries = await readdir(sysfsRoot)
  } catch (error) {
    throw new StationError(
      'E_DEVICE_ABSENT',
      `${sysfsRoot} is missing or not readable: no legacy sysfs GPIO (not a Pi, or a kernel without ` +
        'CONFIG_GPIO_SYSFS), or the service user is not in group gpio',
      { node: sysfsRoot, errno: errnoOf(error) },
      { cause: error },
    )
  }
  const chips: { info: GpioChipInfo; base: number }[] = []
  for (const name of entries) {
    const match = CHIP_NAME.exec(name)
    if (match?.[1] === undefined) continue
    const base = Number(match[1])
    const dir = join(sysfsRoot, name)
    const label = await readChipFile(dir, 'label')
    const ngpio = parseCount(await readChipFile(dir, 'ngpio'), dir, 'ngpio')
    const baseFile = parseCount(await readChipFile(dir, 'base'), dir, 'base')
    if (baseFile !== base) {
      throw new StationError('E_CODEC_INVALID', `${dir}/base says ${baseFile}, the name says ${base}`, { node: dir })
    }
    chips.push({ info: { name, label, ngpio }, base })
  }
  return chips.sort((a, b) => a.base - b.base).map((chip) => chip.info)
}

async function readChipFile(dir: string, file: string): Promise<string> {
  try {
    return (await readFile(join(dir, file), 'utf8')).trim()
  } catch (error) {
    const node = join(dir, file)
    throw new StationError('E_CODEC_INVALID', `cannot read ${node}`, { node, errno: errnoOf(error) }, { cause: error })
  }
}

function parseCount(text: string, dir: string, file: string): number {
  const node = join(dir, file)
  if (!/^\d+$/.test(text)) throw new StationError('E_CODEC_INVALID', `${node} is not a number`, { node })
  return Number(text)
}
