import t from 'tap'
import {
  assertNoIdentity,
  decodePayload,
  encodePayload,
  eventPayload,
  statusPayload,
  submissionPayload,
} from '../../../runtime/mqtt/payloads.js'

const nowMs = Date.UTC(2026, 0, 2, 3, 4, 5)

t.test('status payload carries state, times, version, boot id, birth counter and a copy of the flows', async (t) => {
  const flows = [{ id: 'pay-bill', version: 3 }]
  const status = statusPayload('maintenance', { nowMs, sinceMs: nowMs - 60_000, version: '0.1.0', bootId: 'b-1', birthSeq: 7, flows })
  flows.push({ id: 'later', version: 1 })
  t.strictSame(status, {
    state: 'maintenance',
    ts: '2026-01-02T03:04:05.000Z',
    since: '2026-01-02T03:03:05.000Z',
    version: '0.1.0',
    bootId: 'b-1',
    birthSeq: 7,
    flows: [{ id: 'pay-bill', version: 3 }],
  })
})

t.test('submission payload keeps exactly the wire fields', async (t) => {
  const submission = {
    id: 'sub-1',
    flow: 'pay-bill',
    flowVersion: 3,
    createdAt: '2026-01-02T03:04:05.000Z',
    data: { customerCode: 'PE01' },
    attempts: 4,
  }
  t.strictSame(submissionPayload(submission), {
    id: 'sub-1',
    flow: 'pay-bill',
    flowVersion: 3,
    createdAt: '2026-01-02T03:04:05.000Z',
    data: { customerCode: 'PE01' },
  })
})

t.test('event payload has type, ts and seq that fields cannot override', async (t) => {
  t.strictSame(eventPayload('flow.completed', { flow: 'pay-bill', type: 'spoof', ts: 'x', seq: 99, durationMs: 5 }, nowMs, 4), {
    flow: 'pay-bill',
    durationMs: 5,
    type: 'flow.completed',
    ts: '2026-01-02T03:04:05.000Z',
    seq: 4,
  })
})

t.test('assertNoIdentity rejects identity keys at any depth, in any case, naming only the path', async (t) => {
  const cases: Array<[unknown, string]> = [
    [{ citizenId: 'x' }, '$.citizenId'],
    [{ resident: { Name: 'Nguyen Van A' } }, '$.resident.Name'],
    [{ list: [{ ok: 1 }, { dob: '2000-01-01' }] }, '$.list[1].dob'],
    [{ personalId: 1 }, '$.personalId'],
    [{ address: null }, '$.address'],
    [{ phone: '0901' }, '$.phone'],
  ]
  for (const [value, path] of cases) {
    t.throws(() => assertNoIdentity(value), { code: 'E_CODEC_INVALID', context: { path } }, path)
  }
})

t.test('assertNoIdentity rejects a 12-digit run in any string and never echoes it', async (t) => {
  const cccd = '079203000001'
  for (const value of [{ note: `card ${cccd} read` }, { codes: ['a', cccd] }, `x${cccd}9`]) {
    try {
      assertNoIdentity(value)
      t.fail('should have thrown')
    } catch (error) {
      t.match(error, { code: 'E_CODEC_INVALID' })
      t.notMatch(JSON.stringify({ message: (error as Error).message, ...(error as object) }), cccd)
    }
  }
})

t.test('assertNoIdentity accepts ordinary event fields', async (t) => {
  t.doesNotThrow(() =>
    assertNoIdentity({ type: 'flow.completed', flow: 'pay-bill', durationMs: 123456789012, ref: 'CS-00012345678' }),
  )
  t.doesNotThrow(() => assertNoIdentity({ device: 'printer', reading: ['11 digits: 07920300000'] }))
})

t.test('eventPayload refuses identity data', async (t) => {
  t.throws(() => eventPayload('card.read', { citizenId: '079203000001' }, nowMs, 1), { code: 'E_CODEC_INVALID' })
})

t.test('payloads round-trip as UTF-8 JSON and bad bytes are refused', async (t) => {
  const value = { text: 'Nguyễn', n: 1 }
  t.strictSame(decodePayload(encodePayload(value)), value)
  t.throws(() => decodePayload(new TextEncoder().encode('{nope')), { code: 'E_CODEC_INVALID' })
  t.throws(() => decodePayload(Uint8Array.of(0x7b, 0xff, 0x7d)), { code: 'E_CODEC_INVALID' })
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  t.throws(() => encodePayload(cyclic), { code: 'E_CODEC_INVALID' })
  t.throws(() => encodePayload(undefined), { code: 'E_CODEC_INVALID' })
})
