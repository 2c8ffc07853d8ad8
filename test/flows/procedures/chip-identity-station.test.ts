/**
 * The CCCD chip end to end (docs/emrtd.md, "In the station"): a whole simulated station on a private
 * mosquitto with the reference central, driven through its control socket as `station sim` does, runs
 * a procedure that requires the chip (`scan_id: accept: [chip]`). A simulated chip signed by the
 * station's simulated issuer is read over the simulated PN532 and passively authenticated; the
 * submission says `verified: chip`. Tampered data groups, an unknown CSCA, a wrong CAN, a card pulled
 * away and an identity the QR path refuses too are each refused with their reason, in both languages, and no event or log line carries
 * the resident's data.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import t, { type Test } from 'tap'
import { parse as parseYaml } from 'yaml'
import type { KeyName } from '../../../config/schema.js'
import { cccdMrzLines } from '../../../drivers/emrtd/sim-cccd.js'
import { simHolderFromQr } from '../../../drivers/emrtd/sim-cccd-from-qr.js'
import { startProcedureRig, type ProcedureRig } from '../../support/procedure-rig.js'
import { BAD_QR, ID_NUMBER, NAME, QR, QR_NEXT_RESIDENT } from '../../support/sim-residents.js'

const FLOWS_DIR = fileURLToPath(new URL('../../../flows', import.meta.url))
const FLOW = 'referral-mobile-id'
const PHONE = '0912345678'

/** The bundled flows, with the mobile subscriber identification requiring the chip. */
function flowsRequiringChip(dir: string): string {
  mkdirSync(dir, { recursive: true })
  for (const file of readdirSync(FLOWS_DIR).filter((name) => name.endsWith('.yaml'))) {
    let text = readFileSync(join(FLOWS_DIR, file), 'utf8')
    if (file === `${FLOW}.yaml`) {
      const replaced = text.replace(/accept: \[[^\]]*\]/, 'accept: [chip]')
      if (replaced === text) throw new Error(`${file} has no accept list to replace`)
      text = replaced
    }
    writeFileSync(join(dir, file), text)
  }
  return dir
}

async function chipRig(t: Test): Promise<ProcedureRig> {
  return startProcedureRig(t, {
    configure: (config) => {
      // Beside the data dir, in the test's own directory.
      config.flows.dir = flowsRequiringChip(join(dirname(config.dataDir), 'flows'))
      config.hardware.nfc.enabled = true
    },
  })
}

/** From the welcome screen into the procedure, with (vi) or without (en) a QR scanned first. */
async function openFlow(rig: ProcedureRig, language: 'vi' | 'en', withQr: boolean): Promise<void> {
  await rig.waitFor('the link to central', async () => (await rig.status()).link.connected)
  await rig.waitForScreen(/Xin chao/)
  const index = (await rig.status()).flows.findIndex((flow) => flow.id === FLOW)
  if (index < 0) throw new Error(`${FLOW} is not on the menu`)
  // The language first (a card at the welcome screen opens the menu in Vietnamese), then the card.
  await rig.press(language === 'vi' ? '1' : '2')
  await rig.waitForScreen(language === 'vi' ? /Chon dich vu/ : /Services/)
  if (withQr) {
    await rig.card(language === 'vi' ? QR : QR_NEXT_RESIDENT)
    await rig.waitFor('the QR read', () => rig.logLines.some((line) => line.event === 'card.accepted'))
  }
  // The menu pages (0: more): the procedure's number is pressed on its page.
  await rig.choose(String(index + 1) as KeyName)
  await rig.waitFor('the procedure at its scan_id step', async () => (await rig.status()).step?.step === 'identify')
}

const chip = (rig: ProcedureRig, qr: string, faults: Record<string, unknown> = {}) => rig.request('sim.card', { kind: 'chip', text: qr, ...faults })
const digits = (text: string) => Array.from(text) as KeyName[]
const events = (rig: ProcedureRig, type: string) => rig.logLines.filter((line) => line.msg === 'event' && line.event === type)

function expectNoPersonalData(t: Test, rig: ProcedureRig): void {
  const text = JSON.stringify(rig.logLines)
  t.notOk(text.includes(ID_NUMBER), 'no log line or event carries the ID number')
  t.notOk(text.includes(NAME), 'no log line or event carries the name')
  t.notOk(text.includes('000001'), 'no log line carries the CAN')
}

t.test('vi: a genuine chip, its CAN from the scanned QR, is accepted and the submission says verified: chip', async (t) => {
  const rig = await chipRig(t)
  await openFlow(rig, 'vi', true)
  // A QR alone does not satisfy a step that requires the chip.
  await rig.waitForScreen(/chip|the|dau doc/i)
  t.equal((await rig.status()).step?.step, 'identify', 'the QR did not pass the chip step')
  await chip(rig, QR)
  await rig.waitFor('the chip read and the flow moved on', async () => (await rig.status()).step?.step === 'carrier', 15_000).catch((error: unknown) => {
    throw new Error(`${String(error)}; events: ${JSON.stringify(rig.logLines.filter((line) => line.msg === 'event' || line.level === 40))}`)
  })
  await rig.press('1', ...digits(PHONE), 'ok')
  // The consent screen, read on page by page to its last, which agrees; then the confirmation.
  await rig.waitForScreen(/Gui cho|Send to/)
  for (let page = 0; page < 6; page++) {
    const shown = await rig.screen()
    await rig.press('ok')
    if (/OK: dong y|OK: I agree/.test(shown)) break
    await rig.waitFor('the next consent page', async () => (await rig.screen()) !== shown)
  }
  await rig.press('ok')
  const submission = await rig.submissions.waitFor((message) => message.payload?.flow === FLOW, 10_000)
  const identity = (submission.payload.data as { identity: Record<string, unknown> }).identity
  t.equal(identity.source, 'chip')
  t.equal(identity.verified, 'chip')
  t.equal(identity.personalId, ID_NUMBER)
  t.equal(identity.name, NAME, "the name as DG13 carries it, with its diacritics")
  t.equal(identity.birthDate, '2003-08-15')
  t.notOk('expiryDate' in identity, 'the expiry (a BAC key part) is not sent')
  // The payload as docs/asyncapi.yaml documents it.
  const doc = parseYaml(readFileSync(fileURLToPath(new URL('../../../docs/asyncapi.yaml', import.meta.url)), 'utf8')) as { components: Record<string, unknown> }
  const ajv = new Ajv({ allErrors: true, validateFormats: false, strictTypes: false })
  ajv.addKeyword('components')
  ajv.addSchema({ $id: 'doc', components: doc.components })
  const validate = ajv.getSchema('doc#/components/schemas/Submission')
  t.ok(validate?.(submission.payload), `the submission matches docs/asyncapi.yaml: ${JSON.stringify(validate?.errors)}`)
  t.same(events(rig, 'card.accepted').map((line) => line.kind), ['cccd', 'chip'])
  await rig.waitFor('the receipt', async () => (await rig.receipt()).count === 1, 10_000)
  expectNoPersonalData(t, rig)
})

t.test('vi: tampered data groups, an unknown CSCA, a wrong CAN and a pulled card are refused with their reasons', async (t) => {
  const rig = await chipRig(t)
  await openFlow(rig, 'vi', true)
  const refusals: Array<{ faults: Record<string, unknown>; screen: RegExp; reason: string; qr?: string }> = [
    { faults: { tamper: 'dg13' }, screen: /Chip khong hop le.*Du lieu chip da bi sua doi/s, reason: 'dg_hash_mismatch' },
    { faults: { tamper: 'dg1' }, screen: /Chip khong hop le.*Du lieu chip da bi sua doi/s, reason: 'dg_hash_mismatch' },
    { faults: { unknownCsca: true }, screen: /Chip khong hop le.*Chip khong do co quan cap the ky/s, reason: 'csca_unknown' },
    { faults: { wrongCan: true }, screen: /Sai so CAN/, reason: 'access_denied' },
    { faults: { pullAfter: 12 }, screen: /The bi nhac ra.*Dat lai the va giu yen/s, reason: 'card_lost' },
    // Signed and whole, but its birth year disagrees with the number: refused as the QR would be.
    { faults: {}, qr: BAD_QR, screen: /The khong hop le/, reason: 'birth year mismatch with ID digits 4-6' },
  ]
  for (const [index, refusal] of refusals.entries()) {
    await chip(rig, refusal.qr ?? QR, refusal.faults)
    await rig.waitForScreen(refusal.screen, 15_000)
    await rig.waitFor(`refusal ${refusal.reason} as an event`, () => events(rig, 'card.rejected').length === index + 1)
    t.same(events(rig, 'card.rejected')[index], { ...events(rig, 'card.rejected')[index], kind: 'chip', reason: refusal.reason }, `${JSON.stringify(refusal.faults)}: ${refusal.reason}`)
    t.equal((await rig.status()).step?.step, 'identify', 'the procedure still waits for a good chip')
  }
  // The same card's genuine chip after all that.
  await chip(rig, QR)
  await rig.waitFor('the genuine chip accepted', async () => (await rig.status()).step?.step === 'carrier', 15_000)
  t.equal(rig.submissions.messages.length, 0, 'nothing was submitted for a refused chip')
  expectNoPersonalData(t, rig)
})

t.test('en: without a QR the resident types the CAN; a wrong one is refused and typed again', async (t) => {
  const rig = await chipRig(t)
  await openFlow(rig, 'en', false)
  await chip(rig, QR_NEXT_RESIDENT)
  await rig.waitForScreen(/Card access number.*Last 6 digits/s, 10_000)
  t.equal(events(rig, 'card.can_asked').length, 1)
  await rig.press(...digits('12345'), 'ok')
  await rig.waitForScreen(/Type all 6 digits/)
  await rig.press('6', 'ok')
  await rig.waitForScreen(/Wrong CAN.*does not open this card/s, 15_000)
  await rig.waitForScreen(/Card access number/, 10_000)
  t.same(events(rig, 'card.rejected').map((line) => line.reason), ['access_denied'])
  // QR_NEXT_RESIDENT's number is 001305000002: its CAN is 000002.
  await rig.press(...digits('000002'), 'ok')
  await rig.waitFor('the chip read with the typed CAN', async () => (await rig.status()).step?.step === 'carrier', 15_000)
  await rig.waitForScreen(/Carrier/)
  t.same(events(rig, 'card.accepted').map((line) => line.kind), ['chip'])
})

t.test('en: a tampered chip and a pulled card are said in English', async (t) => {
  const rig = await chipRig(t)
  await openFlow(rig, 'en', true)
  await chip(rig, QR_NEXT_RESIDENT, { tamper: 'dg13' })
  await rig.waitForScreen(/Chip refused.*data was altered/s, 15_000)
  await chip(rig, QR_NEXT_RESIDENT, { unknownCsca: true })
  await rig.waitForScreen(/Chip refused.*Not signed by a known issuer/s, 15_000)
  await chip(rig, QR_NEXT_RESIDENT, { pullAfter: 3 })
  await rig.waitForScreen(/Card moved away.*hold it still/s, 15_000)
  t.same(events(rig, 'card.rejected').map((line) => line.reason), ['dg_hash_mismatch', 'csca_unknown', 'card_lost'])
  t.equal((await rig.status()).step?.step, 'identify')
})

t.test('vi: with the MRZ scanned, a chip the CAN does not open is read with BAC', async (t) => {
  const rig = await chipRig(t)
  await openFlow(rig, 'vi', false)
  await rig.request('sim.card', { kind: 'mrz', text: cccdMrzLines(simHolderFromQr(QR)) })
  await rig.waitFor('the MRZ read', () => events(rig, 'card.accepted').length === 1)
  await chip(rig, QR, { wrongCan: true })
  await rig.waitFor('the chip read with BAC', async () => (await rig.status()).step?.step === 'carrier', 15_000)
  t.same(events(rig, 'card.accepted').map((line) => line.kind), ['mrz', 'chip'])
  t.same(events(rig, 'card.rejected'), [], 'PACE refused the CAN, BAC opened the chip: no refusal')
})
