import t from 'tap'
import { vectorsFor } from '../../support/vectors.js'
import { decodeTouchReport, diffTouches, type TouchPoint } from '../../../drivers/touch/ft6x36-codec.js'

/** The repo's vectors, overlaid by the shared copy when present (test/support/vectors.ts). */
const vectors = vectorsFor('ft6x36')

/** "00 00 01 80" → Uint8Array [0, 0, 1, 0x80] */
function hexBytes(text: unknown): Uint8Array {
  return Uint8Array.from(
    String(text)
      .trim()
      .split(/\s+/)
      .map((byte) => Number.parseInt(byte, 16)),
  )
}

/** "FT6236 (max 2 points)" → 2; FT6x36 vectors without a chip note are for the 2-point part. */
function maxPointsOf(chip: unknown): number {
  if (chip === undefined) return 2
  const match = /max (\d+) points/.exec(String(chip))
  if (match === null) throw new TypeError(`cannot tell the point count of chip ${String(chip)}`)
  return Number(match[1])
}

/** "id0 down at (123,456)" → the point the panel reported in the previous read. */
function previousPoints(text: unknown): TouchPoint[] {
  const match = /^id(\d+) down at \((\d+),\s*(\d+)\)$/.exec(String(text))
  if (match === null) throw new TypeError(`cannot read previous state ${String(text)}`)
  return [{ id: Number(match[1]), event: 'down', x: Number(match[2]), y: Number(match[3]) }]
}

/** "release of id0" → [0] */
function derivedReleases(text: unknown): number[] {
  const match = /^release of id(\d+)$/.exec(String(text))
  if (match === null) throw new TypeError(`cannot read derived result ${String(text)}`)
  return [Number(match[1])]
}

const ONE_TOUCH = '00 00 01 80 7B 01 C8 00 00 FF FF FF FF FF FF FF'

t.test('every ft6x36 vector holds for the codec', async (t) => {
  t.ok(vectors.length >= 3, 'vectors loaded')
  for (const vector of vectors) {
    const { input, expected } = vector
    t.test(vector.name, async (t) => {
      if (typeof input['bytes'] !== 'string' || input['read_from'] !== '0x00') {
        t.fail(`unknown ft6x36 vector shape: ${vector.name}`)
        return
      }
      const bytes = hexBytes(input['bytes'])
      const options = { maxPoints: maxPointsOf(input['chip']) }
      if (!vector.valid) {
        t.throws(() => decodeTouchReport(bytes, options), { code: 'E_CODEC_INVALID', message: expected['error'] })
        return
      }
      const report = decodeTouchReport(bytes, options)
      t.strictSame(report, { touches: expected['touches'], points: expected['points'] })
      if (input['previous'] !== undefined) {
        const { pressed, released } = diffTouches(previousPoints(input['previous']), report.points)
        t.strictSame(pressed, [])
        t.strictSame(
          released.map((point) => point.id),
          derivedReleases(expected['derived']),
        )
      } else {
        t.notOk('derived' in expected, 'a derived result needs a previous state')
      }
    })
  }
})

t.test('decodes two points with 12-bit coordinates, IDs and event flags', async (t) => {
  // P1: put-down, id 3, x 0xABC, y 0x123. P2: put-up, id 1, x 0xFFF, y 0.
  const bytes = hexBytes('00 00 02 0A BC 31 23 00 00 4F FF 10 00 00 00 FF')
  t.strictSame(decodeTouchReport(bytes, { maxPoints: 2 }), {
    touches: 2,
    points: [
      { id: 3, event: 'down', x: 0xabc, y: 0x123 },
      { id: 1, event: 'up', x: 0xfff, y: 0 },
    ],
  })
})

t.test('skips slots flagged "no event" but still counts them in touches', async (t) => {
  const bytes = hexBytes('00 00 02 C0 10 00 10 00 00 80 20 10 20 00 00')
  t.strictSame(decodeTouchReport(bytes, { maxPoints: 2 }), {
    touches: 2,
    points: [{ id: 1, event: 'contact', x: 0x20, y: 0x20 }],
  })
})

t.test('ignores slots past TD_STATUS, whatever they hold', async (t) => {
  const bytes = hexBytes('00 00 00 80 7B 01 C8 00 00 80 7B 11 C8 00 00')
  t.strictSame(decodeTouchReport(bytes, { maxPoints: 2 }), { touches: 0, points: [] })
})

t.test('accepts up to 5 points for an FT5x06 and names the family in the error', async (t) => {
  const slot = (id: number) => `80 10 ${(id << 4).toString(16).padStart(2, '0')} 10 00 00`
  const five = hexBytes(`00 00 05 ${[0, 1, 2, 3, 4].map(slot).join(' ')}`)
  t.strictSame(
    decodeTouchReport(five, { maxPoints: 5 }).points.map((point) => point.id),
    [0, 1, 2, 3, 4],
  )
  t.throws(() => decodeTouchReport(hexBytes('00 00 06'), { maxPoints: 5 }), {
    code: 'E_CODEC_INVALID',
    message: 'TD_STATUS=6 exceeds the 5 points an FT5x06 reports',
  })
})

t.test('rejects an all-ones TD_STATUS: nothing is driving the bus', async (t) => {
  t.throws(() => decodeTouchReport(hexBytes('FF FF FF FF FF FF FF FF FF'), { maxPoints: 2 }), {
    code: 'E_CODEC_INVALID',
    message: /0xFF/,
    context: { offset: 2, byte: 0xff },
  })
})

t.test('rejects blocks too short for the header or for the points they announce', async (t) => {
  t.throws(() => decodeTouchReport(hexBytes('00 00'), { maxPoints: 2 }), {
    code: 'E_CODEC_INVALID',
    context: { length: 2 },
  })
  t.throws(() => decodeTouchReport(hexBytes('00 00 01 80 7B 01'), { maxPoints: 2 }), {
    code: 'E_CODEC_INVALID',
    context: { length: 6, touches: 1 },
  })
  t.strictSame(decodeTouchReport(hexBytes('00 00 00'), { maxPoints: 2 }), { touches: 0, points: [] })
})

t.test('rejects two points carrying the same touch ID (a torn read)', async (t) => {
  const bytes = hexBytes('00 00 02 80 10 20 10 00 00 80 30 20 30 00 00')
  t.throws(() => decodeTouchReport(bytes, { maxPoints: 2 }), { code: 'E_CODEC_INVALID', context: { id: 2 } })
})

t.test('refuses a maxPoints no FocalTech part has', async (t) => {
  const bytes = hexBytes(ONE_TOUCH)
  t.throws(() => decodeTouchReport(bytes, { maxPoints: 0 }), { code: 'E_CODEC_INVALID' })
  t.throws(() => decodeTouchReport(bytes, { maxPoints: 6 }), { code: 'E_CODEC_INVALID' })
  t.throws(() => decodeTouchReport(bytes, { maxPoints: 1.5 }), { code: 'E_CODEC_INVALID' })
})

t.test('diffTouches reports new IDs as presses and vanished IDs as releases, by ID', async (t) => {
  const a: TouchPoint = { id: 0, event: 'contact', x: 10, y: 10 }
  const b: TouchPoint = { id: 1, event: 'down', x: 20, y: 20 }
  const c: TouchPoint = { id: 2, event: 'down', x: 30, y: 30 }
  t.strictSame(diffTouches([a, b], [c, { ...a, x: 99 }]), { pressed: [c], released: [b] })
  t.strictSame(diffTouches([c], [{ ...c, event: 'contact' }]), { pressed: [], released: [] }, 'held, not pressed again')
  t.strictSame(diffTouches([], [c, b]), { pressed: [b, c], released: [] }, 'ordered by ID')
})

t.test('diffTouches treats a point flagged put-up as gone even while TD_STATUS still counts it', async (t) => {
  const down: TouchPoint = { id: 0, event: 'contact', x: 5, y: 6 }
  t.strictSame(diffTouches([down], [{ ...down, event: 'up' }]), { pressed: [], released: [down] })
  t.strictSame(diffTouches([], [{ ...down, event: 'up' }]), { pressed: [], released: [] }, 'an up is never a press')
})
