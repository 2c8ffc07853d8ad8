import t from 'tap'
import { sysfsNumber, type GpioChipInfo } from '../../../drivers/gpio/gpio-numbering.js'
import { parseCpuTemp, parseThrottled, THROTTLED_FLAGS } from '../../../drivers/platform/pi-health.js'
import { isStationError } from '../../../runtime/core/errors.js'
import { vectorsFor, type Vector } from '../../support/vectors.js'

/**
 * Runs a raspberry_pi vector through the codec its input shape calls for (get_throttled output, sysfs
 * chips + BCM number, thermal file content). An unknown shape returns undefined, which fails the test.
 */
function codecFor(input: Vector['input']): (() => unknown) | undefined {
  const { stdout, chips, bcm, content } = input
  if (typeof stdout === 'string') return () => parseThrottled(stdout)
  if (Array.isArray(chips) && typeof bcm === 'number') return () => ({ sysfs: sysfsNumber(chips as GpioChipInfo[], bcm) })
  if (typeof content === 'string') return () => parseCpuTemp(content)
  return undefined
}

const vectors = vectorsFor('raspberry_pi')

t.test('finds the raspberry_pi vectors docs/protocols.md 9.3 lists', async (t) => {
  const names = vectors.map((vector) => vector.name)
  const listed = ['throttled_zero', 'throttled_0x50005', 'throttled_0x20002', 'sysfs_pi4_k66', 'sysfs_pi5_k66']
  listed.push('sysfs_pi5_k61_launch', 'sysfs_legacy_base0', 'cpu_temp', 'vcgencmd_failure')
  for (const name of listed) {
    t.ok(names.includes(name), name)
  }
})

for (const vector of vectors) {
  t.test(`raspberry_pi/${vector.name}: ${vector.why}`, async (t) => {
    const codec = codecFor(vector.input)
    if (codec === undefined) {
      t.fail(`no codec for input shape {${Object.keys(vector.input).join(', ')}}`)
      return
    }
    if (vector.valid) {
      t.strictSame(codec(), vector.expected)
      return
    }
    const expectedError = String(vector.expected['error']).toLowerCase()
    let thrown: unknown
    try {
      codec()
    } catch (error) {
      thrown = error
    }
    t.ok(isStationError(thrown), 'throws a StationError')
    t.match(String((thrown as Error | undefined)?.message).toLowerCase(), expectedError)
  })
}

t.test('names every get_throttled bit of docs/protocols.md 9.3, in bit order', async (t) => {
  t.strictSame(parseThrottled('throttled=0xf000f'), {
    value: '0xf000f',
    flags: THROTTLED_FLAGS.map((flag) => flag.name),
  })
  t.strictSame(parseThrottled('throttled=0x80008').flags, ['soft_temp_limit_now', 'soft_temp_limit_occurred'])
  t.strictSame(parseThrottled('throttled=0x40000').flags, ['throttled_occurred'], 'bit 18 is throttling, not capping')
})

t.test('accepts a trailing newline and upper-case hex, and keeps unknown bits in the value', async (t) => {
  t.strictSame(parseThrottled('throttled=0x50005\n'), parseThrottled('throttled=0x50005'))
  t.strictSame(parseThrottled('throttled=0xE0000'), {
    value: '0xe0000',
    flags: ['arm_freq_capped_occurred', 'throttled_occurred', 'soft_temp_limit_occurred'],
  })
  t.strictSame(parseThrottled('throttled=0x100'), { value: '0x100', flags: [] })
})

t.test('never reads anything but throttled=0x… as a value, and keeps the text out of the error', async (t) => {
  const outputs = ['', 'throttled=', 'throttled=0x', 'throttled=50005', 'throttled=0x1ffffffff']
  for (const stdout of [...outputs, 'error=1 error_msg="Command not registered"']) {
    const expected = { code: 'E_CODEC_INVALID', message: /unexpected output/, context: { length: stdout.length } }
    t.throws(() => parseThrottled(stdout), expected, stdout)
  }
})

t.test('reads the CPU temperature from sysfs millidegrees and from vcgencmd measure_temp', async (t) => {
  t.strictSame(parseCpuTemp('48312\n'), { celsius: 48.312 })
  t.strictSame(parseCpuTemp('-5000'), { celsius: -5 })
  t.strictSame(parseCpuTemp("temp=48.3'C\n"), { celsius: 48.3 })
  for (const content of ['', 'hot', '48.3', "temp=48.3'F"]) {
    t.throws(() => parseCpuTemp(content), { code: 'E_CODEC_INVALID', message: /unexpected output/ }, content)
  }
})
