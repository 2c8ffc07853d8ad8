import t from 'tap'
import { vectorsFor } from '../../support/vectors.js'
import { decodeTouchStatus, diffElectrodes, initWrites, isPresent } from '../../../drivers/keypad/mpr121-codec.js'
import { CONFIG2, SOFT_RESET, SOFT_RESET_VALUE } from '../../../drivers/keypad/mpr121-registers.js'

/** The repo's vectors, overlaid by the shared copy when present (test/support/vectors.ts). */
const vectors = vectorsFor('mpr121')

/** "05 00" → Uint8Array [5, 0] */
function hexBytes(text: unknown): Uint8Array {
  return Uint8Array.from(
    String(text)
      .trim()
      .split(/\s+/)
      .map((byte) => Number.parseInt(byte, 16)),
  )
}

function hexNumber(text: unknown): number {
  return Number.parseInt(String(text), 16)
}

function pairs(list: unknown): Array<[number, number]> {
  return (list as unknown[][]).map(([register, value]) => [hexNumber(register), hexNumber(value)])
}

t.test('every mpr121 vector holds for the codec', async (t) => {
  t.ok(vectors.length >= 5, 'vectors loaded')
  for (const vector of vectors) {
    const { input, expected } = vector
    t.test(vector.name, async (t) => {
      if (typeof input['bytes'] === 'string') {
        const status = decodeTouchStatus(hexBytes(input['bytes']))
        t.strictSame(status.electrodes, expected['electrodes'])
        t.equal(status.proximity, expected['proximity'])
        if ('overCurrent' in expected) t.equal(status.overCurrent, expected['overCurrent'])
      } else if (Array.isArray(input['writes']) && typeof input['read'] === 'object' && input['read'] !== null) {
        const read = input['read'] as Record<string, unknown>
        t.strictSame(pairs(input['writes']), [[SOFT_RESET, SOFT_RESET_VALUE]], 'the check follows a soft reset')
        t.equal(hexNumber(read['reg']), CONFIG2)
        const present = isPresent(hexNumber(read['value']))
        t.equal(present, expected['present'])
        t.equal(present, vector.valid)
      } else if (Array.isArray(expected['writes'])) {
        const writes = initWrites({ touchThreshold: 12, releaseThreshold: 6 })
        t.strictSame(
          writes.map(({ register, value }) => [register, value]),
          pairs(expected['writes']),
        )
      } else {
        t.fail(`unknown mpr121 vector shape: ${vector.name}`)
      }
    })
  }
})

t.test('decodes electrodes 8..11 from the second byte and the over-current flag from bit 15', async (t) => {
  t.strictSame(decodeTouchStatus(Uint8Array.of(0x00, 0x0f)), {
    electrodes: [8, 9, 10, 11],
    proximity: false,
    overCurrent: false,
  })
  t.strictSame(decodeTouchStatus(Uint8Array.of(0x81, 0x80)), { electrodes: [0, 7], proximity: false, overCurrent: true })
})

t.test('rejects status reads of the wrong length or with reserved bits set', async (t) => {
  t.throws(() => decodeTouchStatus(Uint8Array.of(0x05)), { code: 'E_CODEC_INVALID', context: { length: 1 } })
  t.throws(() => decodeTouchStatus(Uint8Array.of(0, 0, 0)), { code: 'E_CODEC_INVALID' })
  t.throws(() => decodeTouchStatus(Uint8Array.of(0x00, 0x20)), {
    code: 'E_CODEC_INVALID',
    context: { offset: 1, byte: 0x20 },
  })
})

t.test('lists presses and releases between two readings in electrode order', async (t) => {
  t.strictSame(diffElectrodes([1, 3], [3, 0, 5]), { pressed: [0, 5], released: [1] })
  t.strictSame(diffElectrodes([2], [2]), { pressed: [], released: [] })
})

t.test('configures only the electrodes in use and keeps stop mode first, ECR last', async (t) => {
  const writes = initWrites({ touchThreshold: 40, releaseThreshold: 20, electrodeCount: 4 })
  t.strictSame(writes[1], { register: 0x5e, value: 0x00 })
  t.strictSame(writes.at(-1), { register: 0x5e, value: 0x84 })
  t.strictSame(
    writes.filter(({ register }) => register >= 0x41 && register <= 0x5a).map(({ register }) => register),
    [0x41, 0x43, 0x45, 0x47, 0x42, 0x44, 0x46, 0x48],
  )
})

t.test('refuses thresholds without hysteresis or out of range', async (t) => {
  t.throws(() => initWrites({ touchThreshold: 6, releaseThreshold: 6 }), { code: 'E_CODEC_INVALID' })
  t.throws(() => initWrites({ touchThreshold: 256, releaseThreshold: 6 }), { code: 'E_CODEC_INVALID' })
  t.throws(() => initWrites({ touchThreshold: 12, releaseThreshold: 6, electrodeCount: 13 }), {
    code: 'E_CODEC_INVALID',
  })
})
