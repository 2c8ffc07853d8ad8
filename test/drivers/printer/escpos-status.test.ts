import t from 'tap'
import { vectorsFor } from '../../support/vectors.js'
import {
  decodeRealtimeStatus,
  encodeRealtimeStatus,
  isFlowControlByte,
  isStatusByte,
  type StatusQuery,
} from '../../../drivers/printer/escpos-status.js'

/** DLE EOT vectors: `{ request: "10 04 n", reply: "hh" }`. */
const statusVectors = vectorsFor('escpos').filter(
  (v) => v.protocol === 'escpos' && typeof v.input['request'] === 'string' && typeof v.input['reply'] === 'string',
)

t.test('the vectors file has the DLE EOT set, valid and invalid', async (t) => {
  t.ok(statusVectors.filter((v) => v.valid).length >= 7)
  t.ok(statusVectors.some((v) => !v.valid))
})

for (const vector of statusVectors) {
  const [dle, eot, n] = (vector.input['request'] as string).split(' ').map((pair) => Number.parseInt(pair, 16))
  const reply = Number.parseInt(vector.input['reply'] as string, 16)
  t.test(`vector ${vector.name}: ${vector.valid ? 'decodes to the expected fields' : 'is refused'}`, async (t) => {
    t.strictSame([dle, eot], [0x10, 0x04], 'request is DLE EOT')
    if (vector.valid) {
      t.strictSame(decodeRealtimeStatus(n as StatusQuery, reply), vector.expected)
    } else {
      t.throws(() => decodeRealtimeStatus(n as StatusQuery, reply), { code: 'E_CODEC_INVALID', message: /not a status byte/ })
    }
  })
}

t.test('XOFF and XON are refused as status bytes with a message naming the flow-control byte', async (t) => {
  t.throws(() => decodeRealtimeStatus(1, 0x13), { code: 'E_CODEC_INVALID', message: /not a status byte.*bit 0 must be 0.*XOFF/ })
  t.throws(() => decodeRealtimeStatus(4, 0x11), { code: 'E_CODEC_INVALID', message: /not a status byte.*XON/ })
  t.ok(isFlowControlByte(0x11))
  t.ok(isFlowControlByte(0x13))
  t.notOk(isFlowControlByte(0x12))
})

t.test('each wrong fixed bit is refused and named', async (t) => {
  t.throws(() => decodeRealtimeStatus(1, 0x10), { message: /bit 1 must be 1/ })
  t.throws(() => decodeRealtimeStatus(1, 0x02), { message: /bit 4 must be 1/ })
  t.throws(() => decodeRealtimeStatus(1, 0x92), { message: /bit 7 must be 0/ })
  t.throws(() => decodeRealtimeStatus(1, 256), { code: 'E_CODEC_INVALID' })
  t.throws(() => decodeRealtimeStatus(5 as StatusQuery, 0x12), { code: 'E_CODEC_INVALID' })
})

t.test('isStatusByte accepts exactly the 16 bytes with the fixed bits', async (t) => {
  const accepted = Array.from({ length: 256 }, (_, byte) => byte).filter(isStatusByte)
  t.equal(accepted.length, 16)
  t.ok(accepted.every((byte) => (byte & 0x93) === 0x12))
})

t.test('a paper-sensor field counts when either of its two bits is set', async (t) => {
  t.strictSame(decodeRealtimeStatus(4, 0x12 | 0x04), { paperNearEnd: true, paperEnd: false })
  t.strictSame(decodeRealtimeStatus(4, 0x12 | 0x40), { paperNearEnd: false, paperEnd: true })
})

t.test('encodeRealtimeStatus is the inverse of decodeRealtimeStatus for every valid reply', async (t) => {
  for (const n of [1, 2, 3] as const) {
    for (const byte of Array.from({ length: 256 }, (_, b) => b).filter(isStatusByte)) {
      t.equal(encodeRealtimeStatus(n, decodeRealtimeStatus(n, byte) as never), byte, `n=${n} 0x${byte.toString(16)}`)
    }
  }
  t.equal(encodeRealtimeStatus(4, { paperNearEnd: true, paperEnd: true }), 0x7e)
  t.equal(encodeRealtimeStatus(4, { paperNearEnd: true, paperEnd: false }), 0x1e)
  t.equal(encodeRealtimeStatus(1, { drawerPin3High: false, offline: false, waitingOnlineRecovery: false, feedButtonPressed: false }), 0x12)
})
