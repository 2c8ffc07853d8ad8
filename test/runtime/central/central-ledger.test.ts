import { createHash } from 'node:crypto'
import t from 'tap'
import type { CentralFixtures } from '../../../runtime/central/central-fixtures.js'
import { CentralLedger, normalizeCode, vietnamDate } from '../../../runtime/central/central-ledger.js'
import { referenceFromId } from '../../../runtime/kiosk/reference-code.js'

const NOW_MS = Date.parse('2026-01-05T03:00:00.000Z')
/** Synthetic ID numbers: the owner of the dossier, and someone else. */
const OWNER = '079203000001'
const STRANGER = '001305000002'

function fixtures(): CentralFixtures {
  return {
    bills: [
      {
        id: 'EL-1',
        service: 'electricity',
        customer: '1001-0001',
        customerName: 'Hộ gia đình mẫu số 01',
        period: '2026-01',
        amount: 452000,
        bin: '970436',
        account: '0071000001',
        status: 'unpaid',
      },
      {
        id: 'WA-1',
        service: 'water',
        customer: '1001-0001',
        customerName: 'Hộ gia đình mẫu số 01',
        period: '2026-01',
        amount: 96000,
        bin: '970415',
        account: '1130000002',
        status: 'paid',
      },
    ],
    dossiers: [
      {
        code: '2601-0001',
        ownerSha256: createHash('sha256').update(OWNER).digest('hex'),
        title: 'Đăng ký khai sinh',
        status: 'processing',
        updatedAt: '2026-01-06T02:30:00.000Z',
        steps: [
          { step: 'received', title: 'Tiếp nhận hồ sơ', titleEn: 'Received', state: 'done', at: '2026-01-05T01:15:00.000Z' },
          { step: 'review', title: 'Thẩm định', titleEn: 'Review', state: 'current', at: '2026-01-06T02:30:00.000Z' },
          { step: 'approval', title: 'Phê duyệt', titleEn: 'Approval', state: 'pending' },
        ],
      },
    ],
    departments: [
      { id: 'internal', ticketPrefix: 'NO', facility: 'BV mẫu khu A', slots: [{ time: '07:30', doctor: 'BS. phòng 101' }, { time: '13:30' }] },
    ],
  }
}

t.test('bill.lookup finds the bill by service and customer code, ignoring dashes, spaces and case', async (t) => {
  const ledger = new CentralLedger(fixtures())
  const expected = {
    found: true,
    id: 'EL-1',
    customerName: 'Hộ gia đình mẫu số 01',
    period: '2026-01',
    amount: 452000,
    bin: '970436',
    account: '0071000001',
    status: 'unpaid',
  }
  t.strictSame(ledger.answer('bill.lookup', { service: 'electricity', customer: '10010001' }, NOW_MS), expected)
  t.strictSame(ledger.answer('bill.lookup', { service: 'electricity', customer: ' 1001 0001 ' }, NOW_MS), expected)
  const water = ledger.answer('bill.lookup', { service: 'water', customer: '10010001' }, NOW_MS)
  t.match(water, { id: 'WA-1', status: 'paid' })
  t.strictSame(ledger.answer('bill.lookup', { service: 'internet', customer: '10010001' }, NOW_MS), { found: false })
  t.strictSame(ledger.answer('bill.lookup', { service: 'electricity', customer: '999' }, NOW_MS), { found: false })
})

t.test('bill.lookup refuses a missing customer or an unknown service with an error reply', async (t) => {
  const ledger = new CentralLedger(fixtures())
  t.match(ledger.answer('bill.lookup', { service: 'gas', customer: '1' }, NOW_MS), { error: /service/ })
  t.match(ledger.answer('bill.lookup', { service: 'water' }, NOW_MS), { error: /customer/ })
  t.match(ledger.answer('bill.lookup', 'not an object', NOW_MS), { error: /service/ })
})

t.test('a paid bill reads as paid, and paying again repeats the first confirmation', async (t) => {
  const ledger = new CentralLedger(fixtures())
  const first = ledger.payBill('EL-1', NOW_MS)
  t.strictSame(first, { bill: 'EL-1', amount: 452000, paidAt: '2026-01-05T03:00:00.000Z' })
  t.match(ledger.lookupBill('electricity', '10010001'), { status: 'paid' })
  t.strictSame(ledger.payBill('EL-1', NOW_MS + 60_000), first)
  t.throws(() => ledger.payBill('NOPE', NOW_MS), RangeError)
})

t.test('dossier.status returns title, status and steps, or found false with the code asked', async (t) => {
  const ledger = new CentralLedger(fixtures())
  t.strictSame(ledger.answer('dossier.status', { code: '26010001', personalId: OWNER }, NOW_MS), {
    found: true,
    code: '2601-0001',
    title: 'Đăng ký khai sinh',
    status: 'processing',
    updatedAt: '2026-01-06T02:30:00.000Z',
    step: 'Thẩm định',
    stepEn: 'Review',
    steps: [
      { step: 'received', title: 'Tiếp nhận hồ sơ', titleEn: 'Received', state: 'done', at: '2026-01-05T01:15:00.000Z' },
      { step: 'review', title: 'Thẩm định', titleEn: 'Review', state: 'current', at: '2026-01-06T02:30:00.000Z' },
      { step: 'approval', title: 'Phê duyệt', titleEn: 'Approval', state: 'pending' },
    ],
  })
  t.strictSame(ledger.answer('dossier.status', { code: '26010001', personalId: STRANGER }, NOW_MS), { found: false, code: '26010001' }, "another resident's dossier is not found")
  t.strictSame(ledger.answer('dossier.status', { code: '26010001' }, NOW_MS), { found: false, code: '26010001' }, 'nor one asked for without an ID number')
  t.strictSame(ledger.answer('dossier.status', { code: '0000', personalId: OWNER }, NOW_MS), { found: false, code: '0000' })
  t.match(ledger.answer('dossier.status', {}, NOW_MS), { error: /code/ })
})

t.test('exam.slots lists the free slots that have not begun, on the date asked or from today in Vietnam (UTC+7), with the facility', async (t) => {
  const ledger = new CentralLedger(fixtures())
  t.strictSame(ledger.answer('exam.slots', { department: 'internal', date: '2026-02-03' }, NOW_MS), {
    date: '2026-02-03',
    facility: 'BV mẫu khu A',
    slots: [
      { id: 'internal.2026-02-03.0730', date: '2026-02-03', time: '07:30', doctor: 'BS. phòng 101' },
      { id: 'internal.2026-02-03.1330', date: '2026-02-03', time: '13:30' },
    ],
  })
  // NOW_MS is 10:00 on 5 January in Vietnam: 07:30 that day has begun, and the next day is offered too.
  t.strictSame(ledger.answer('exam.slots', { department: 'internal' }, NOW_MS), {
    date: '2026-01-05',
    facility: 'BV mẫu khu A',
    slots: [
      { id: 'internal.2026-01-05.1330', date: '2026-01-05', time: '13:30' },
      { id: 'internal.2026-01-06.0730', date: '2026-01-06', time: '07:30', doctor: 'BS. phòng 101' },
      { id: 'internal.2026-01-06.1330', date: '2026-01-06', time: '13:30' },
    ],
  })
  t.strictSame(ledger.answer('exam.slots', { department: 'internal', date: '2026-01-05' }, Date.parse('2026-01-05T06:30:00.000Z')), {
    date: '2026-01-05',
    facility: 'BV mẫu khu A',
    slots: [],
  }, 'a slot that begins now is no longer offered')
  // 18:00 UTC on 4 January is 01:00 on 5 January in Vietnam.
  const lateEvening = Date.parse('2026-01-04T18:00:00.000Z')
  t.match(ledger.answer('exam.slots', { department: 'internal' }, lateEvening), { date: '2026-01-05', slots: [{ id: 'internal.2026-01-05.0730' }] })
  t.match(ledger.answer('exam.slots', { department: 'surgery' }, NOW_MS), { error: 'unknown department surgery' })
  t.match(ledger.answer('exam.slots', { department: 'internal', date: '2026-02-30' }, NOW_MS), { error: /date/ })
  t.match(ledger.answer('exam.slots', {}, NOW_MS), { error: /department/ })
})

t.test('exam.book issues numbered tickets, hides booked slots and refuses taken, begun or unknown ones', async (t) => {
  const ledger = new CentralLedger(fixtures())
  t.strictSame(ledger.answer('exam.book', { slot: 'internal.2026-02-03.0730' }, NOW_MS), {
    booked: true,
    slot: 'internal.2026-02-03.0730',
    ticket: 'NO-001',
    date: '2026-02-03',
    time: '07:30',
    facility: 'BV mẫu khu A',
    doctor: 'BS. phòng 101',
  })
  t.match(ledger.answer('exam.book', { slot: 'internal.2026-02-03.1330' }, NOW_MS), { booked: true, ticket: 'NO-002' })
  t.match(ledger.answer('exam.book', { slot: 'internal.2026-02-04.1330' }, NOW_MS), { booked: true, ticket: 'NO-001' })
  t.strictSame(ledger.answer('exam.book', { slot: 'internal.2026-02-03.0730' }, NOW_MS), {
    booked: false,
    slot: 'internal.2026-02-03.0730',
    reason: 'taken',
  })
  t.strictSame(ledger.examSlots('internal', NOW_MS, '2026-02-03'), { date: '2026-02-03', facility: 'BV mẫu khu A', slots: [] }, 'a booked slot is not offered again')
  t.strictSame(ledger.answer('exam.book', { slot: 'internal.2026-01-05.0730' }, NOW_MS), { booked: false, slot: 'internal.2026-01-05.0730', reason: 'past' })
  for (const slot of ['internal.2026-02-03.0800', 'surgery.2026-02-03.0730', 'internal.2026-13-01.0730', 'x']) {
    t.match(ledger.answer('exam.book', { slot }, NOW_MS), { booked: false, reason: 'unknown slot' }, slot)
  }
  t.match(ledger.answer('exam.book', {}, NOW_MS), { error: /slot/ })
})

t.test('a dossier a station took in is tracked by the reference code it printed, by its owner only', async (t) => {
  const ledger = new CentralLedger(fixtures())
  const id = '3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f'
  const reference = referenceFromId(id)
  ledger.recordSubmission({ id, flow: 'submit-dossier', data: { answers: {}, identity: { source: 'cccd_qr', personalId: OWNER } }, receivedAt: '2026-01-05T03:00:00.000Z' })
  ledger.recordSubmission({ id: '9f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f', flow: 'security-feedback', data: { identity: { personalId: OWNER } }, receivedAt: '2026-01-05T03:00:00.000Z' })
  t.strictSame(ledger.answer('dossier.status', { code: reference.replace(/-/g, ''), personalId: OWNER }, NOW_MS), {
    found: true,
    code: reference,
    title: 'Hồ sơ nộp tại trạm',
    status: 'received',
    updatedAt: '2026-01-05T03:00:00.000Z',
    step: 'Tiếp nhận hồ sơ',
    stepEn: 'Received',
    steps: [{ step: 'received', title: 'Tiếp nhận hồ sơ', titleEn: 'Received', state: 'current', at: '2026-01-05T03:00:00.000Z' }],
  })
  t.match(ledger.answer('dossier.status', { code: reference, personalId: STRANGER }, NOW_MS), { found: false })
  t.match(ledger.answer('dossier.status', { code: referenceFromId('9f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f'), personalId: OWNER }, NOW_MS), { found: false }, 'a feedback is not a dossier')
})

t.test('an unknown method gets an error naming it', async (t) => {
  const ledger = new CentralLedger(fixtures())
  t.strictSame(ledger.answer('tax.lookup', {}, NOW_MS), { error: 'unknown method tax.lookup' })
})

t.test('codes compare on letters and digits only; dates are Vietnamese calendar dates', async (t) => {
  t.equal(normalizeCode(' hs-01 a '), 'HS01A')
  t.equal(vietnamDate(Date.parse('2026-01-04T16:59:59.999Z')), '2026-01-04')
  t.equal(vietnamDate(Date.parse('2026-01-04T17:00:00.000Z')), '2026-01-05')
})
