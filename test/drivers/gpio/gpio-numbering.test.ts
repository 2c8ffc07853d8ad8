import { join } from 'node:path'
import t from 'tap'
import { readGpioChips, sysfsNumber, type GpioChipInfo } from '../../../drivers/gpio/gpio-numbering.js'
import { testDir } from '../../support/test-dir.js'

/** A gpiochip directory as sysfs shows it (values end with a newline). */
function chip(base: number, label: string, ngpio: number) {
  return { [`gpiochip${base}`]: { base: `${base}\n`, label: `${label}\n`, ngpio: `${ngpio}\n`, uevent: '' } }
}

/** Recorded /sys/class/gpio trees (docs/protocols.md 9.1). */
const TREES = {
  'Pi 4, kernel 6.6': {
    tree: { ...chip(512, 'pinctrl-bcm2711', 58), ...chip(570, 'raspberrypi-exp-gpio', 8) },
    gpio17: 529,
  },
  'Pi 5, kernel 6.6': {
    tree: {
      ...chip(512, 'gpio-brcmstb@107d508500', 32),
      ...chip(544, 'gpio-brcmstb@107d508520', 4),
      ...chip(548, 'gpio-brcmstb@107d517c00', 17),
      ...chip(565, 'gpio-brcmstb@107d517c20', 6),
      ...chip(571, 'pinctrl-rp1', 54),
    },
    gpio17: 588,
  },
  'Pi 5, launch kernel 6.1': {
    tree: {
      ...chip(399, 'pinctrl-rp1', 54),
      ...chip(453, 'gpio-brcmstb@107d517c20', 6),
      ...chip(459, 'gpio-brcmstb@107d517c00', 17),
      ...chip(476, 'gpio-brcmstb@107d508520', 4),
      ...chip(480, 'gpio-brcmstb@107d508500', 32),
    },
    gpio17: 416,
  },
  'Pi 3, legacy kernel (base 0)': {
    tree: { ...chip(0, 'pinctrl-bcm2835', 54), ...chip(504, 'raspberrypi-exp-gpio', 8) },
    gpio17: 17,
  },
} as const

for (const [board, { tree, gpio17 }] of Object.entries(TREES)) {
  t.test(`numbers GPIO17 as ${gpio17} on a recorded ${board} sysfs tree`, async (t) => {
    const root = testDir(t, { export: '', unexport: '', ...tree })
    const chips = await readGpioChips(root)
    t.equal(chips.length, Object.keys(tree).length, 'reads every gpiochip, skips export/unexport')
    t.equal(sysfsNumber(chips, 17), gpio17)
  })
}

t.test('lists chips in base order, numerically, with trimmed labels', async (t) => {
  const root = testDir(t, { export: '', ...chip(1000, 'b', 1), ...chip(999, 'a', 1), ...chip(0, 'pinctrl-bcm2835', 54) })
  t.strictSame(await readGpioChips(root), [
    { name: 'gpiochip0', label: 'pinctrl-bcm2835', ngpio: 54 },
    { name: 'gpiochip999', label: 'a', ngpio: 1 },
    { name: 'gpiochip1000', label: 'b', ngpio: 1 },
  ])
})

t.test('picks the header chip by label, not the lowest or highest base', async (t) => {
  const pi5: GpioChipInfo[] = [
    { name: 'gpiochip512', label: 'gpio-brcmstb@107d508500', ngpio: 32 },
    { name: 'gpiochip571', label: 'pinctrl-rp1', ngpio: 54 },
  ]
  t.equal(sysfsNumber(pi5, 0), 571)
  t.equal(sysfsNumber(pi5, 27), 598)
  const legacy: GpioChipInfo[] = [
    { name: 'gpiochip504', label: 'raspberrypi-exp-gpio', ngpio: 8 },
    { name: 'gpiochip0', label: 'pinctrl-bcm2835', ngpio: 54 },
  ]
  t.equal(sysfsNumber(legacy, 4), 4)
})

t.test('refuses a machine without a Raspberry Pi header chip, listing what it found', async (t) => {
  t.throws(() => sysfsNumber([{ name: 'gpiochip512', label: 'INT34C5:00', ngpio: 360 }], 17), {
    code: 'E_DEVICE_ABSENT',
    message: /no Raspberry Pi header GPIO chip .*gpiochip512 \(INT34C5:00\)/,
  })
  t.throws(() => sysfsNumber([], 17), { code: 'E_DEVICE_ABSENT', message: /no GPIO chips/ })
})

t.test('refuses ambiguous header chips, malformed names and lines beyond the chip', async (t) => {
  const header = { name: 'gpiochip0', label: 'pinctrl-bcm2835', ngpio: 54 }
  t.throws(() => sysfsNumber([header, { ...header, name: 'gpiochip600' }], 17), { code: 'E_CODEC_INVALID', message: /more than one/ })
  t.throws(() => sysfsNumber([{ ...header, name: 'chip0' }], 17), { code: 'E_CODEC_INVALID', message: /gpiochip<base>/ })
  t.throws(() => sysfsNumber([header], 54), { code: 'E_CONFIG_INVALID', message: /GPIO54 .*54 lines/, context: { bcm: 54, ngpio: 54 } })
  t.throws(() => sysfsNumber([header], -1), TypeError)
  t.throws(() => sysfsNumber([header], 1.5), TypeError)
})

t.test('reports a missing sysfs GPIO folder as E_DEVICE_ABSENT naming the node and the gpio group', async (t) => {
  const root = join(testDir(t, {}), 'class', 'gpio')
  await t.rejects(readGpioChips(root), {
    code: 'E_DEVICE_ABSENT',
    message: /class\/gpio .*group gpio/,
    context: { node: root, errno: 'ENOENT' },
  })
})

t.test('refuses chips with missing or malformed files, or a base that contradicts the name', async (t) => {
  const noLabel = testDir(t, { gpiochip0: { base: '0\n', ngpio: '54\n' } })
  await t.rejects(readGpioChips(noLabel), { code: 'E_CODEC_INVALID', message: /cannot read .*label/ })
  const badCount = testDir(t, { gpiochip0: { base: '0\n', label: 'pinctrl-bcm2835\n', ngpio: 'many\n' } })
  await t.rejects(readGpioChips(badCount), { code: 'E_CODEC_INVALID', message: /ngpio is not a number/ })
  const badBase = testDir(t, { gpiochip0: { base: '512\n', label: 'pinctrl-bcm2835\n', ngpio: '54\n' } })
  await t.rejects(readGpioChips(badBase), { code: 'E_CODEC_INVALID', message: /says 512, the name says 0/ })
})
