import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { parse } from 'yaml'
import { renderValue } from '../../config/validate.js'
import { baseConfig as base, configOf, problemsOf } from '../support/validated-config.js'
import type { Config, TouchZoneConfig } from '../../config/schema.js'


/** A raw config holding `value` at the dotted `path`, e.g. at('hardware.tamper.line', 3). */
function at(path: string, value: unknown): Record<string, unknown> {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>
}

/** A zone as written in YAML; keys may be numbers. */
const zone = (key: string | number, x: number, y: number, widthPx: number, heightPx: number) => ({ key, x, y, widthPx, heightPx })

const GRID_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'back', '0', 'ok']

/** Every key once, 3 columns by 4 rows filling widthPx × heightPx from (x0, 0). */
function grid(widthPx: number, heightPx: number, x0 = 0) {
  const w = Math.floor(widthPx / 3)
  const h = Math.floor(heightPx / 4)
  return GRID_KEYS.map((key, index) => zone(key, x0 + (index % 3) * w, Math.floor(index / 3) * h, w, h))
}

t.test('every new hardware option takes a good value', async (t) => {
  const zones = grid(480, 272)
  const { hardware } = configOf({
    hardware: {
      keypad: { kind: 'ft6x36', irqLine: 27, touch: { widthPx: 480, heightPx: 272, gapPx: 0, zones } },
      gpio: { sysfsRoot: '/run/test-gpio' },
      wiegand: { enabled: true, backend: 'onoff', d0Line: 20, d1Line: 21, frameGapMs: 40, holdMs: 0, lengths: [34] },
      tamper: { enabled: true, line: 4, openLevel: 0, debounceMs: 200 },
      leds: { enabled: true, greenLine: 12, redLine: 13 },
      buzzer: { enabled: true, backend: 'pigpio', line: 19, frequencyHz: 4000, keyClick: false },
    },
  })
  t.equal(hardware.keypad.kind, 'ft6x36')
  t.equal(hardware.keypad.irqLine, 27)
  t.strictSame(hardware.keypad.touch, { widthPx: 480, heightPx: 272, gapPx: 0, zones })
  t.strictSame(hardware.gpio, { sysfsRoot: '/run/test-gpio' })
  t.strictSame(hardware.wiegand, { enabled: true, backend: 'onoff', d0Line: 20, d1Line: 21, frameGapMs: 40, holdMs: 0, lengths: [34] })
  t.strictSame(hardware.tamper, { enabled: true, line: 4, openLevel: 0, debounceMs: 200 })
  t.strictSame(hardware.leds, { enabled: true, greenLine: 12, redLine: 13 })
  t.strictSame(hardware.buzzer, { enabled: true, backend: 'pigpio', line: 19, frequencyHz: 4000, keyClick: false })
})

t.test('a bad value of each new option gives its exact problem line', async (t) => {
  const badKeyZones = [zone('enter', 0, 0, 10, 10)]
  const cases: Array<[path: string, value: unknown, problem: string]> = [
    ['hardware.keypad.kind', 'xpt2046', 'must be one of "mpr121", "ft6x36" (got "xpt2046")'],
    ['hardware.keypad.irqLine', 54, 'must be a BCM GPIO line from 0 to 53 (got 54)'],
    ['hardware.keypad.irqSafetyPollMs', 10, 'must be an integer from 50 to 60000 (got 10)'],
    ['hardware.keypad.touch', 'big', 'must be a mapping of options (got "big")'],
    ['hardware.keypad.touch.widthPx', 0, 'must be an integer from 1 to 4096 (got 0)'],
    ['hardware.keypad.touch.heightPx', 4097, 'must be an integer from 1 to 4096 (got 4097)'],
    ['hardware.keypad.touch.gapPx', -1, 'must be an integer from 0 to 512 (got -1)'],
    ['hardware.keypad.touch.zones', [], 'must be a list of {key, x, y, widthPx, heightPx} (got [])'],
    [
      'hardware.keypad.touch.zones',
      badKeyZones,
      `must be a list of {key, x, y, widthPx, heightPx}: item 0 key must be one of 0 1 2 3 4 5 6 7 8 9 ok back (got ${renderValue(badKeyZones)})`,
    ],
    ['hardware.gpio.sysfsRoot', 'sys/class/gpio', 'must be an absolute path (got "sys/class/gpio")'],
    ['hardware.wiegand.enabled', 'yes', 'must be true or false (got "yes")'],
    ['hardware.wiegand.backend', 'gpiod', 'must be one of "onoff", "pigpio" (got "gpiod")'],
    ['hardware.wiegand.d0Line', -1, 'must be a BCM GPIO line from 0 to 53 (got -1)'],
    ['hardware.wiegand.d1Line', 'GPIO6', 'must be a BCM GPIO line from 0 to 53 (got "GPIO6")'],
    ['hardware.wiegand.frameGapMs', 2, 'must be an integer from 3 to 500 (got 2)'],
    ['hardware.wiegand.holdMs', 60_001, 'must be an integer from 0 to 60000 (got 60001)'],
    ['hardware.wiegand.lengths', [26, 37], 'must list 26, 34 or both (got [26,37])'],
    ['hardware.tamper.enabled', 1, 'must be true or false (got 1)'],
    ['hardware.tamper.line', 54, 'must be a BCM GPIO line from 0 to 53 (got 54)'],
    ['hardware.tamper.openLevel', 2, 'must be one of 0, 1 (got 2)'],
    ['hardware.tamper.debounceMs', 0, 'must be an integer from 1 to 5000 (got 0)'],
    ['hardware.leds.enabled', 'on', 'must be true or false (got "on")'],
    ['hardware.leds.greenLine', 1.5, 'must be a BCM GPIO line from 0 to 53 (got 1.5)'],
    ['hardware.leds.redLine', null, 'must be a BCM GPIO line from 0 to 53 (got null)'],
    ['hardware.buzzer.enabled', 'true', 'must be true or false (got "true")'],
    ['hardware.buzzer.backend', 'pwm', 'must be one of "onoff", "pigpio" (got "pwm")'],
    ['hardware.buzzer.line', 99, 'must be a BCM GPIO line from 0 to 53 (got 99)'],
    ['hardware.buzzer.frequencyHz', 50, 'must be an integer from 100 to 20000 (got 50)'],
    ['hardware.buzzer.keyClick', 'no', 'must be true or false (got "no")'],
  ]
  for (const [path, value, problem] of cases) {
    t.strictSame(problemsOf(at(path, value)), [`${path}: ${problem}`], `${path} = ${renderValue(value)}`)
  }
})

t.test('several mistakes across the new sections are all listed, in file order', async (t) => {
  t.strictSame(
    problemsOf({
      hardware: {
        keypad: { kind: 'ft6x36', touch: { gapPx: 600 } },
        gpio: { sysfsRoot: 42 },
        wiegand: { backend: 'libgpiod', lengths: [26, 26] },
        tamper: { openLevel: 'high' },
        leds: { redLine: 64 },
        buzzer: { frequencyHz: 30_000 },
      },
    }),
    [
      'hardware.keypad.touch.gapPx: must be an integer from 0 to 512 (got 600)',
      'hardware.gpio.sysfsRoot: must be a file system path (got 42)',
      'hardware.wiegand.backend: must be one of "onoff", "pigpio" (got "libgpiod")',
      'hardware.wiegand.lengths: must list 26, 34 or both (got [26,26])',
      'hardware.tamper.openLevel: must be one of 0, 1 (got "high")',
      'hardware.leds.redLine: must be a BCM GPIO line from 0 to 53 (got 64)',
      'hardware.buzzer.frequencyHz: must be an integer from 100 to 20000 (got 30000)',
    ],
  )
})

t.test('unknown keys under the new sections are reported with the nearest option', async (t) => {
  t.strictSame(
    problemsOf({
      hardware: {
        keypad: { touch: { zone: [] } },
        gpio: { sysfsroot: '/sys/class/gpio' },
        wiegand: { d0line: 5, lenghts: [26], openLevel: 1 },
        tamper: { openlevel: 0 },
        buzzer: { frequency: 3000 },
        leds: { green: 23 },
      },
    }),
    [
      'hardware.keypad.touch.zone: unknown option (did you mean hardware.keypad.touch.zones?)',
      'hardware.gpio.sysfsroot: unknown option (did you mean hardware.gpio.sysfsRoot?)',
      'hardware.wiegand.d0line: unknown option (did you mean hardware.wiegand.d0Line?)',
      'hardware.wiegand.lenghts: unknown option (did you mean hardware.wiegand.lengths?)',
      // An option put under the wrong device points to the device that has it.
      'hardware.wiegand.openLevel: unknown option (did you mean hardware.tamper.openLevel?)',
      'hardware.tamper.openlevel: unknown option (did you mean hardware.tamper.openLevel?)',
      'hardware.leds.green: unknown option',
      'hardware.buzzer.frequency: unknown option (did you mean hardware.buzzer.frequencyHz?)',
    ],
  )
})

t.test('an ft6x36 keypad takes 0x38 unless told otherwise, and refuses any other address', async (t) => {
  t.equal(configOf({ hardware: { keypad: { kind: 'ft6x36' } } }).hardware.keypad.address, 0x38)
  t.equal(configOf({ hardware: { keypad: { kind: 'ft6x36', address: '0x38' } } }).hardware.keypad.address, 0x38)
  t.strictSame(problemsOf({ hardware: { keypad: { kind: 'ft6x36', address: 0x5a } } }), [
    'hardware.keypad.address: must be 0x38 (the FT6x36 address is fixed) (got 0x5a)',
  ])
  const touchBase = configOf({ hardware: { keypad: { kind: 'ft6x36' } } })
  t.equal(
    configOf({ hardware: { keypad: { kind: 'mpr121' } } }, structuredClone(touchBase)).hardware.keypad.address,
    0x5a,
    'switching back to an MPR121 takes its own default address',
  )
  t.strictSame(problemsOf({ hardware: { display: { address: 0x38 }, keypad: { kind: 'ft6x36' } } }), [
    'hardware.keypad.address: must differ from hardware.display.address on the same bus (i2c-1) (got 0x38)',
  ])
})

t.test('custom touch zones that overlap or leave the panel are refused, naming the zone', async (t) => {
  const keypad = (zones: unknown[]) => ({ hardware: { keypad: { kind: 'ft6x36', touch: { widthPx: 240, heightPx: 320, zones } } } })
  const overlapping = [zone('1', 0, 0, 100, 80), zone('2', 50, 0, 100, 80)]
  t.strictSame(problemsOf(keypad(overlapping)), [
    'hardware.keypad.touch.zones: zones[1] (2): overlaps zones[0] (1) (got x 50, y 0, 100×80) (got 2 zones)',
  ])
  const outside = [zone('ok', 200, 300, 41, 20)]
  t.strictSame(problemsOf(keypad(outside)), [
    'hardware.keypad.touch.zones: zones[0] (ok): outside the 240×320 panel (got x 200, y 300, 41×20) (got 1 zones)',
  ])
  // Half-open rectangles: the grid's zones only touch each other and the panel's edges.
  configOf(keypad(grid(240, 320)))
  const shifted = grid(240, 320, 240)
  t.match(problemsOf(keypad(shifted))[0], /outside the 240×320 panel/)
  t.strictSame(
    configOf({ hardware: { keypad: { kind: 'ft6x36', touch: { widthPx: 480, zones: shifted } } } }).hardware.keypad.touch.zones,
    shifted,
    'zones are checked against the configured panel size',
  )
})

t.test('touch zones must give every key; the default layout must fit the panel with its gap', async (t) => {
  const partial = grid(240, 320).filter((z) => z.key !== 'ok' && z.key !== '7')
  t.strictSame(problemsOf({ hardware: { keypad: { kind: 'ft6x36', touch: { zones: partial } } } }), [
    'hardware.keypad.touch.zones: must give every key a zone; missing 7 ok (got 10 zones)',
  ])
  t.strictSame(problemsOf({ hardware: { keypad: { kind: 'ft6x36', touch: { widthPx: 10, heightPx: 10, gapPx: 512 } } } }), [
    'hardware.keypad.touch.gapPx: gapPx 512 leaves no room for the keys on a 10×10 panel (got 512)',
  ])
  t.strictSame(problemsOf({ hardware: { keypad: { touch: { widthPx: 10, heightPx: 10, gapPx: 512 } } } }), [], 'an MPR121 keypad ignores the touch panel')
})

t.test('touch zones are accepted with digit keys written as YAML numbers', async (t) => {
  const lines = grid(240, 320).map((z) => {
    const key = /^[0-9]$/.test(z.key as string) ? (z.key === '9' ? '"9"' : z.key) : z.key
    return `        - { key: ${key}, x: ${z.x}, y: ${z.y}, widthPx: ${z.widthPx}, heightPx: ${z.heightPx} }`
  })
  const raw: unknown = parse(['hardware:', '  keypad:', '    kind: ft6x36', '    touch:', '      zones:', ...lines, ''].join('\n'))
  const zones = configOf(raw).hardware.keypad.touch.zones ?? []
  t.strictSame(
    zones.map((z: TouchZoneConfig) => z.key),
    GRID_KEYS,
  )
  t.strictSame(zones[10], { key: '0', x: 80, y: 240, widthPx: 80, heightPx: 80 })
})

t.test('the header bus pins are not GPIO device lines while their bus is in use', async (t) => {
  t.strictSame(problemsOf({ hardware: { tamper: { enabled: true, line: 2 } } }), [
    'hardware.tamper.line: must differ from I2C-1 (SDA/SCL) (one line, one device) (got 2)',
  ])
  t.strictSame(problemsOf({ hardware: { printer: { path: '/dev/serial0' }, buzzer: { enabled: true, line: 15 } } }), [
    'hardware.buzzer.line: must differ from the header UART (TXD/RXD) (one line, one device) (got 15)',
  ])
  configOf({ hardware: { buzzer: { enabled: true, line: 15 } } })
})

t.test('two enabled devices on one GPIO line are refused, naming both; disabled devices claim no line', async (t) => {
  t.strictSame(problemsOf({ hardware: { tamper: { enabled: true, line: 23 }, leds: { enabled: true } } }), [
    'hardware.leds.greenLine: must differ from hardware.tamper.line (one line, one device) (got 23)',
  ])
  t.strictSame(problemsOf({ hardware: { keypad: { irqLine: 18 }, buzzer: { enabled: true } } }), [
    'hardware.buzzer.line: must differ from hardware.keypad.irqLine (one line, one device) (got 18)',
  ])
  t.strictSame(problemsOf({ hardware: { wiegand: { enabled: true, d0Line: 7, d1Line: 7 } } }), [
    'hardware.wiegand.d1Line: must differ from hardware.wiegand.d0Line (one line, one device) (got 7)',
  ])
  configOf({ hardware: { tamper: { enabled: false, line: 23 }, leds: { enabled: true } } })
  configOf({ hardware: { keypad: { irqLine: 16 }, tamper: { enabled: false }, wiegand: { enabled: false, d0Line: 16, d1Line: 16 } } })
  const everything = configOf({
    hardware: {
      keypad: { irqLine: 17 },
      wiegand: { enabled: true },
      tamper: { enabled: true },
      leds: { enabled: true },
      buzzer: { enabled: true },
    },
  })
  t.ok(everything.hardware.buzzer.enabled, 'every device enabled on its default line fits together')
})

t.test('backend pigpio refuses lines above 31; onoff and disabled devices do not', async (t) => {
  t.strictSame(problemsOf({ hardware: { wiegand: { enabled: true, backend: 'pigpio', d1Line: 40 } } }), [
    'hardware.wiegand.d1Line: must be 0 to 31 with backend pigpio (pigpio reaches only GPIO 0-31) (got 40)',
  ])
  t.strictSame(problemsOf({ hardware: { buzzer: { enabled: true, backend: 'pigpio', line: 32 } } }), [
    'hardware.buzzer.line: must be 0 to 31 with backend pigpio (pigpio reaches only GPIO 0-31) (got 32)',
  ])
  configOf({ hardware: { buzzer: { enabled: true, backend: 'pigpio', line: 31 } } })
  configOf({ hardware: { buzzer: { enabled: true, backend: 'onoff', line: 32 } } })
  configOf({ hardware: { wiegand: { enabled: true, backend: 'onoff', d0Line: 40, d1Line: 41 } } })
  configOf({ hardware: { wiegand: { enabled: false, backend: 'pigpio', d0Line: 40 } } })
})

t.test('wiegand lengths are 26, 34 or both, each once', async (t) => {
  for (const lengths of [[26], [34], [34, 26]]) {
    t.strictSame(configOf({ hardware: { wiegand: { lengths } } }).hardware.wiegand.lengths, lengths)
  }
  for (const lengths of [[26, 26], [], [37], 26, ['26']]) {
    t.strictSame(problemsOf({ hardware: { wiegand: { lengths } } }), [
      `hardware.wiegand.lengths: must list 26, 34 or both (got ${renderValue(lengths)})`,
    ])
  }
})

t.test('tamper.openLevel is 0 or 1 only', async (t) => {
  t.equal(configOf({ hardware: { tamper: { openLevel: 0 } } }).hardware.tamper.openLevel, 0)
  t.equal(configOf({ hardware: { tamper: { openLevel: 1 } } }).hardware.tamper.openLevel, 1)
  for (const openLevel of [2, -1, true, '1']) {
    t.strictSame(problemsOf({ hardware: { tamper: { openLevel } } }), [
      `hardware.tamper.openLevel: must be one of 0, 1 (got ${renderValue(openLevel)})`,
    ])
  }
})

t.test('the MPR121 threshold rule does not fire for an ft6x36 keypad', async (t) => {
  const thresholds = { touchThreshold: 6, releaseThreshold: 8 }
  configOf({ hardware: { keypad: { kind: 'ft6x36', ...thresholds } } })
  t.strictSame(problemsOf({ hardware: { keypad: { kind: 'mpr121', ...thresholds } } }), [
    'hardware.keypad.releaseThreshold: must be lower than hardware.keypad.touchThreshold (6) (got 8)',
  ])
})

t.test('the example config has every device, and its commented ft6x36 keypad validates too', async (t) => {
  const text = await readFile(fileURLToPath(new URL('../../config/station.example.yaml', import.meta.url)), 'utf8')
  const raw = parse(text) as { hardware: Record<string, unknown> }
  const { hardware } = configOf(raw)
  t.equal(hardware.keypad.kind, 'mpr121')
  t.type(hardware.keypad.irqLine, 'number')
  t.ok(hardware.nfc.enabled && hardware.nfc.interface === 'i2c', 'PN532 on I2C')
  t.equal(hardware.wiegand.backend, 'pigpio')
  t.ok(hardware.wiegand.enabled && hardware.tamper.enabled && hardware.leds.enabled && hardware.buzzer.enabled)
  t.not(hardware.printer.codepage, 'ascii', 'a Vietnamese code page is chosen')

  // The alternative is the comment block starting "  # keypad:"; without its "  # " it is a YAML mapping.
  const lines = text.split('\n')
  const start = lines.indexOf('  # keypad:')
  t.ok(start >= 0, 'the example shows the ft6x36 alternative')
  const block: string[] = []
  for (const line of lines.slice(start)) {
    if (!line.startsWith('  # ')) break
    block.push(line.slice(4))
  }
  const alternative = parse(block.join('\n')) as { keypad: unknown }
  const touch = configOf({ ...raw, hardware: { ...raw.hardware, keypad: alternative.keypad } }).hardware.keypad
  t.equal(touch.kind, 'ft6x36')
  t.equal(touch.address, 0x38)
  t.type(touch.irqLine, 'number')
})

t.test('display.glyphs is none or vietnamese', async (t) => {
  t.equal(configOf({ hardware: { display: { glyphs: 'vietnamese' } } }).hardware.display.glyphs, 'vietnamese')
  t.equal(configOf({}).hardware.display.glyphs, 'none')
  t.strictSame(problemsOf({ hardware: { display: { glyphs: 'cp1258' } } }), [
    'hardware.display.glyphs: must be one of "none", "vietnamese" (got "cp1258")',
  ])
})
