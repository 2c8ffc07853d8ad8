import t from 'tap'
import { parseCommand } from '../../../drivers/emrtd/apdu.js'
import { fromHex, toHex } from '../../../drivers/emrtd/bytes.js'
import { refusalReason } from '../../../drivers/emrtd/chip-errors.js'
import { paceSession } from '../../../drivers/emrtd/pace.js'
import { unwrapCommand, wrapResponse } from '../../../drivers/emrtd/secure-messaging-card.js'
import { unwrapResponse, wrapCommand } from '../../../drivers/emrtd/secure-messaging.js'
import { emrtdVector, field } from '../../support/emrtd-vectors.js'

// The session of the ICAO PACE worked example (Appendix G), used for AES secure messaging both ways.
const session = paceSession(fromHex(field(emrtdVector('pace_gm_ecdh_g1').expected, 'shared_secret')))

t.test('AES: a protected READ BINARY round-trips through the card side, counters in step', async (t) => {
  const command = { cla: 0x00, ins: 0xb0, p1: 0x00, p2: 0x10, le: 200 }
  const wrapped = wrapCommand(session, command)
  t.equal(toHex(wrapped.ssc), `${'00'.repeat(15)}01`)
  t.equal(wrapped.apdu[0], 0x0c)
  const opened = unwrapCommand(session, wrapped.apdu)
  t.same(opened.command, command)
  const payload = Uint8Array.from({ length: 200 }, (_, i) => i)
  const answer = wrapResponse(session, opened.ssc, payload, 0x9000)
  t.ok(answer.response.length <= 252, 'fits a normal PN532 frame')
  const result = unwrapResponse(session, wrapped.ssc, answer.response)
  t.same(result.data, payload)
  t.equal(result.sw, 0x9000)
  t.equal(toHex(result.ssc), `${'00'.repeat(15)}02`)
})

t.test('AES: a command with data (SELECT) carries DO87 and opens to the same data', async (t) => {
  const wrapped = wrapCommand(session, parseCommand(fromHex('00A4020C02011E')))
  t.same(unwrapCommand(session, wrapped.apdu).command.data, fromHex('011E'))
})

t.test('AES: a response under the wrong counter, or a replayed command, is sm_broken', async (t) => {
  const wrapped = wrapCommand(session, { cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 4 })
  const opened = unwrapCommand(session, wrapped.apdu)
  const answer = wrapResponse(session, opened.ssc, Uint8Array.of(1, 2, 3, 4), 0x9000)
  let reason: string | undefined
  try {
    unwrapResponse(session, session.ssc, answer.response)
  } catch (error) {
    reason = refusalReason(error)
  }
  t.equal(reason, 'sm_broken')
  reason = undefined
  try {
    unwrapCommand({ ...session, ssc: opened.ssc }, wrapped.apdu)
  } catch (error) {
    reason = refusalReason(error)
  }
  t.equal(reason, 'sm_broken')
})

t.test('a bare status word under SM is returned unauthenticated; a bare 9000 is refused', async (t) => {
  const wrapped = wrapCommand(session, { cla: 0, ins: 0xb0, p1: 0, p2: 0, le: 4 })
  t.same(unwrapResponse(session, wrapped.ssc, fromHex('6A82')), { data: new Uint8Array(0), sw: 0x6a82, authenticated: false, ssc: fromHex(`${'00'.repeat(15)}02`) })
  t.throws(() => unwrapResponse(session, wrapped.ssc, fromHex('9000')))
})
