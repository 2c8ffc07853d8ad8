import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { loadFlowsDir } from '../../../flows/engine/flow-folder.js'
import type { KeyName, Language } from '../../../config/schema.js'
import { RIG_AGENCY, RIG_SITE, startProcedureRig, type ProcedureRig } from '../../support/procedure-rig.js'
import { foldToAscii } from '../../../drivers/text/vietnamese.js'
import { ID_NUMBER, NAME } from '../../support/sim-residents.js'

const PHONE: KeyName[] = ['0', '9', '1', '2', '3', '4', '5', '6', '7', '8']

/** What a resident presses after identifying, and what central should then receive. */
/** Each bundled flow's version, from its file: a submission records the version it ran. */
const BUNDLED_VERSIONS = new Map([...(await loadFlowsDir(fileURLToPath(new URL('../../../flows', import.meta.url)))).flows.values()].map((flow) => [flow.id, flow.version]))

/**
 * Follow-up lines each receipt must carry, as printed (the ESC/POS codepage folds Vietnamese to ASCII),
 * per language: the phone the resident gave, the number being verified, what to do with the paper.
 */
const FOLLOW_UP: Record<string, { vi: RegExp[]; en: RegExp[] }> = {
  'security-feedback': {
    vi: [/SDT lien he: 0912345678/, /Noi: toa 2, tang 7/, /Khan cap: goi 113/],
    en: [/Contact phone: 0912345678/, /Where: building 2, floor 7/, /Emergency: call 113/],
  },
  'submit-dossier': {
    vi: [/SDT lien he: khong co/, /Mang 6 trang ho so ban giay va the CCCD den Bo phan mot cua/, /Khong nop giay to vao tram/],
    en: [/Contact phone: none/, /Bring the 6 pages on paper and your ID card to the one-stop desk/, /Do not put papers into the station/],
  },
  'health-insurance': { vi: [/SDT lien he: 0912345678/], en: [/Contact phone: 0912345678/] },
  'referral-bank-account': { vi: [/SDT ngan hang se goi: 0912345678/], en: [/The bank will call: 0912345678/] },
  'referral-consumer-loan': { vi: [/SDT ben cho vay se goi: 0912345678/], en: [/The lender will call: 0912345678/] },
  'referral-mobile-id': { vi: [/So thue bao can chuan hoa: 0912345678/], en: [/Number to identify: 0912345678/] },
}

/** dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh by the platform's own time zone data, to compare the station's fixed-offset rendering with. */
function vietnamTime(epochMs: number): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(epochMs)
      .map((part) => [part.type, part.value]),
  )
  return `${parts['day']}/${parts['month']}/${parts['year']} ${parts['hour']}:${parts['minute']}`
}

const PROCEDURES: Array<{ id: string; keys: Array<KeyName | 'consent'>; answers: Record<string, unknown> }> = [
  // Theft, building 2, floor 7, the first description (vehicle stolen), a phone.
  {
    id: 'security-feedback',
    keys: ['1', '2', 'ok', '7', 'ok', '1', ...PHONE, 'ok', 'ok'],
    answers: { topic: 'theft', detail: 'vehicle_theft', building: '2', floor: '7', phone: '0912345678' },
  },
  { id: 'submit-dossier', keys: ['1', '6', 'ok', 'ok', 'ok'], answers: { dossier: 'birth_registration', pages: '6' } },
  {
    id: 'health-insurance',
    // 12 months is on the second page of its list: key 0 first.
    keys: ['1', '0', '3', ...PHONE, 'ok', 'ok'],
    answers: { category: 'household', months: '12', phone: '0912345678' },
  },
  // 'consent': ok page by page until the consent's last page ("OK: dong y" / "OK: I agree"), which agrees.
  { id: 'referral-bank-account', keys: ['0', '3', ...PHONE, 'ok', 'consent', 'ok'], answers: { bank: 'bidv', phone: '0912345678' } },
  {
    id: 'referral-consumer-loan',
    keys: ['2', '2', ...PHONE, 'ok', 'consent', 'ok'],
    answers: { amount: '10m_30m', term: '12', phone: '0912345678' },
  },
  { id: 'referral-mobile-id', keys: ['1', ...PHONE, 'ok', 'consent', 'ok'], answers: { carrier: 'viettel', phone: '0912345678' } },
]

/** Presses `keys`; at 'consent' reads the consent screen on with ok until its last page, and agrees there. */
async function pressThrough(rig: ProcedureRig, keys: Array<KeyName | 'consent'>): Promise<void> {
  for (const key of keys) {
    if (key !== 'consent') {
      await rig.press(key)
      continue
    }
    await rig.waitForScreen(/Gui cho|Send to/)
    for (let page = 0; page < 6; page++) {
      const shown = await rig.screen()
      await rig.press('ok')
      if (/OK: dong y|OK: I agree/.test(shown)) break
      await rig.waitFor('the next consent page', async () => (await rig.screen()) !== shown)
    }
  }
}

async function runProcedure(t: Test, rig: ProcedureRig, id: string, keys: Array<KeyName | 'consent'>, language: Language, answers: Record<string, unknown>) {
  const before = rig.submissions.messages.length
  const printedBefore = (await rig.receipt()).count
  await rig.openProcedure(id, language)
  await pressThrough(rig, keys)
  const message = await rig.submissions.waitFor(
    (m) => m.payload?.flow === id && rig.submissions.messages.indexOf(m) >= before,
    10_000,
  )
  t.equal(message.payload.flowVersion, BUNDLED_VERSIONS.get(id), `${id} (${language}): flow version recorded`)
  t.match(message.payload.data, { language, answers, identity: { personalId: ID_NUMBER } }, `${id} (${language}): answers and identity`)
  await rig.waitFor(`${id} receipt`, async () => (await rig.receipt()).count > printedBefore)
  const lines = (await rig.receipt()).lines ?? []
  const qr = lines.find((line) => line.startsWith('[QR] '))
  t.match(qr, /^\[QR\] \d{4}-\d{4}-\d{4}$/, `${id} (${language}): the reference as a QR`)
  const text = lines.join('\n')
  t.ok(qr && text.includes(qr.slice(5)), 'the reference printed in text too')
  t.match(text, /079\*+01/, 'the masked ID')
  const flat = lines.map((line) => line.trim()).join(' ')
  const head = lines.map((line) => line.trim()).filter((line) => line !== '')
  t.equal(head[0], foldToAscii(RIG_AGENCY), `${id} (${language}): the agency heads the receipt`)
  t.equal(head[1], foldToAscii(RIG_SITE), `${id} (${language}): then the site`)
  const printedAt = /(\d{2}\/\d{2}\/\d{4} \d{2}:\d{2})/.exec(head[3] ?? '')?.[1] ?? 'none'
  const now = Date.now()
  t.ok([vietnamTime(now), vietnamTime(now - 60_000)].includes(printedAt), `${id} (${language}): printed in Vietnam time (${printedAt})`)
  t.match(head[3], language === 'vi' ? /^Ngay gio: / : /^Date: /)
  for (const pattern of FOLLOW_UP[id]?.[language] ?? []) t.match(flat, pattern, `${id} (${language}): ${pattern.source}`)
  t.notOk(text.includes(ID_NUMBER), 'never the full ID')
  await rig.waitForScreen(/Xin chao/, 8000)
}

for (const { id, keys, answers } of PROCEDURES) {
  t.test(`${id}: a resident completes it at the station in both languages; central receives it and a receipt prints`, async (t) => {
    const rig = await startProcedureRig(t)
    await runProcedure(t, rig, id, keys, 'vi', answers)
    await runProcedure(t, rig, id, keys, 'en', answers)
    const logs = rig.logLines.map((line) => JSON.stringify(line)).join('\n')
    for (const secret of [ID_NUMBER, NAME]) t.notOk(logs.includes(secret), `no log line contains ${secret}`)
    t.equal(rig.central.submissions().filter((s) => s.flow === id).length, 2, 'central recorded both, once each')
  })
}
