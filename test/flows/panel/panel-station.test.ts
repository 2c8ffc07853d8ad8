/**
 * The panel a resident can finish (docs/flows.md, "The panel"), driven through the station's control
 * socket as `station sim` drives it, in Vietnamese and in English: paging, back, numbers and dates,
 * the system screens, and a menu that knows what the station can do now. The display is read back
 * from the simulated LCD, so Vietnamese shows folded to ASCII.
 */
import t, { type Test } from 'tap'
import type { Language } from '../../../config/schema.js'
import { startProcedureRig, type ProcedureRig } from '../../support/procedure-rig.js'
import { start } from '../../support/station-rig.js'

const LANGUAGES: Language[] = ['vi', 'en']
const say = (language: Language, vi: RegExp, en: RegExp): RegExp => (language === 'vi' ? vi : en)

async function step(rig: ProcedureRig): Promise<string | null> {
  return (await rig.status()).step?.step ?? null
}

const QUESTION = /Ket thuc thu tuc\?|End this procedure\?/

/** Back until the session asks whether to end (an input's digits are erased one by one first). */
async function backToQuestion(rig: ProcedureRig): Promise<void> {
  for (let i = 0; i < 30 && !QUESTION.test(await rig.screen()); i++) {
    await rig.press('back')
    await new Promise((resolve) => setTimeout(resolve, 30))
  }
  await rig.waitForScreen(QUESTION)
}

t.test('paging: every page of a long list says 0: more, and a number on another page is refused with a hint', async (t) => {
  const rig = await startProcedureRig(t)
  for (const language of LANGUAGES) {
    const more = say(language, /0: them/, /0: more/)
    // The menu: nine procedures on three pages.
    if (language === 'vi') await rig.card()
    else await rig.press('2')
    const menu = await rig.waitForScreen(say(language, /Chon dich vu 0: them/, /Services +0: more/))
    t.match(menu, /^1 /m, `${language}: the first page of the menu`)
    await rig.press('7')
    await rig.waitForScreen(say(language, /So 7 khong co o trang nay/, /7 is not on this page/))
    t.equal((await rig.status()).phase, 'menu', `${language}: a procedure on another page is not started`)
    await rig.press('0')
    await rig.waitForScreen(/^4 /m)
    t.match(await rig.screen(), more, `${language}: the second page says it too`)
    await rig.press('0')
    await rig.waitForScreen(/^7 /m)
    t.match(await rig.screen(), more, `${language}: and the last`)
    await rig.press('back')
    await rig.waitForScreen(/Xin chao/)

    // A choose step: six topics on three pages.
    await rig.openProcedure('security-feedback', language)
    const first = await rig.waitForScreen(/^1 /m)
    t.match(first.split('\n')[0], more, `${language}: the topic list says so on its title row`)
    await rig.press('4')
    await rig.waitForScreen(say(language, /So 4 khong co o trang nay\. Bam 0 de xem them/, /4 is not on this page\. Press 0 for more/))
    t.equal(await step(rig), 'topic', `${language}: the hidden option 4 is not chosen`)
    await rig.press('0')
    const second = await rig.waitForScreen(/^4 /m)
    t.match(second.split('\n')[0], more, `${language}: the second page says it too`)
    await rig.press('4')
    await rig.waitFor('the building step', async () => (await step(rig)) === 'building')
    // This building, no floor, the first description, no phone, send.
    await rig.press('ok', 'ok', '1', 'ok', 'ok')
    await rig.waitFor('the submission', () => rig.submissions.messages.some((m) => m.payload?.data?.language === language))
    const sent = rig.submissions.messages.find((m) => m.payload?.data?.language === language)
    t.equal(sent?.payload.data.answers.topic, 'fire_risk', `${language}: the option chosen on its page is the one sent`)
    await rig.waitForScreen(/Xin chao/, 8000)
  }
})

t.test('back never cancels silently: the first step asks, no stays, a confirm screen keeps what was typed, consent back sends nothing', async (t) => {
  const rig = await startProcedureRig(t)
  for (const language of LANGUAGES) {
    await rig.openProcedure('security-feedback', language)
    await rig.waitForScreen(/^1 /m)
    // In Vietnamese the card came first, so the topic is the first step; in English the scan is.
    await backToQuestion(rig)
    t.match(await rig.screen(), say(language, /1 Co, ket thuc/, /1 Yes, end it/))
    const first = await step(rig)
    await rig.press('2')
    await rig.waitFor('the question to go', async () => !QUESTION.test(await rig.screen()))
    t.equal(await step(rig), first, `${language}: no means no`)
    if (first === 'identify') await rig.card()
    await rig.waitFor('the topic step', async () => (await step(rig)) === 'topic')
    // Theft, this building, no floor, the first description, then a phone number.
    await rig.press('1', 'ok', 'ok', '1', '0', '9', '1', '2', '3', '4', '5', '6', '7', '8', 'ok')
    await rig.waitFor('the confirm step', async () => (await step(rig)) === 'confirm')
    await rig.press('back')
    await rig.waitForScreen(/> 0912345678/)
    t.equal(await step(rig), 'phone', `${language}: back from the confirm screen returns with the number kept`)
    await rig.press('ok')
    await rig.waitFor('the confirm step again', async () => (await step(rig)) === 'confirm')
    // Back up to the first step (the phone's digits are erased one by one), then yes.
    await backToQuestion(rig)
    await rig.press('1')
    const ended = await rig.waitForScreen(say(language, /Da huy thu tuc/, /Procedure cancelled/), 1000)
    t.ok(ended, `${language}: the screen changes the moment the session ends`)
    t.equal((await rig.status()).phase, 'ended')
    await rig.waitForScreen(/Xin chao/, 8000)

    // A yes/no consent screen: back is no, and nothing leaves the station.
    const before = rig.submissions.messages.length
    await rig.openProcedure('referral-bank-account', language)
    await rig.press('1', '0', '9', '1', '2', '3', '4', '5', '6', '7', '8', 'ok')
    await rig.waitFor('the consent step', async () => (await step(rig)) === 'consent')
    await rig.press('back')
    await rig.waitForScreen(/> 0912345678/)
    t.equal(await step(rig), 'phone', `${language}: back on the consent screen is no: back to the phone, number kept`)
    t.equal(rig.submissions.messages.length, before, `${language}: nothing was sent`)
    await backToQuestion(rig)
    await rig.press('1')
    await rig.waitForScreen(/Xin chao/, 8000)
  }
  t.equal(rig.central.submissions().length, 0, 'every procedure was left: nothing reached central')
})

t.test('numbers and dates as residents read them, including a date central sends', async (t) => {
  const rig = await startProcedureRig(t)
  for (const language of LANGUAGES) {
    await rig.openProcedure('pay-bill', language)
    await rig.waitForScreen(/^1 /m)
    await rig.press('1', '1', '0', '0', '1', '0', '0', '0', '1', 'ok')
    await rig.waitForScreen(say(language, /OK neu dung ten/, /OK if this is you/))
    await rig.press('ok')
    await rig.waitForScreen(say(language, /So tien: 452\.000 d/, /Amount: 452,000 VND/))
    await backToQuestion(rig)
    await rig.press('1')
    await rig.waitForScreen(/Xin chao/, 8000)

    await rig.openProcedure('book-exam', language)
    await rig.waitForScreen(/^1 /m)
    await rig.press('1')
    // central sends its free slots with ISO dates (2026-12-02): the list reads them as 02/12/2026.
    const slots = await rig.waitForScreen(/^1 \d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/m)
    t.notMatch(slots, /\d{4}-\d{2}-\d{2}/, `${language}: no ISO date on screen`)
    await rig.press('1')
    await rig.waitForScreen(/\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/)
    t.notMatch(await rig.screen(), /\d{4}-\d{2}-\d{2}/, `${language}: nor on the confirmation`)
    await backToQuestion(rig)
    await rig.press('1')
    await rig.waitForScreen(/Xin chao/, 8000)
  }
})

t.test('system screens: before a language is chosen they speak both; after, the one chosen', async (t) => {
  const rig = await startProcedureRig(t)
  const welcome = await rig.waitForScreen(/Xin chao/)
  t.match(welcome, /Xin chao \/ Welcome/)
  t.match(welcome, /Quet CCCD \/ Scan ID/)
  t.match(welcome, /1 Tieng Viet/)
  t.match(welcome, /2 English/)
  await rig.press('5')
  const invalid = await rig.waitForScreen(/Phim khong hop le/)
  for (const text of [/Key not valid here/, /Bam 1 hoac 2/, /Press 1 or 2/]) t.match(invalid, text, 'the invalid-key notice in both')
  await rig.card('not a card at all')
  const refused = await rig.waitForScreen(/Khong doc duoc the|The khong hop le/)
  t.match(refused, /Card not readable|Card not valid/, 'a refused card in both')
  t.match(refused, /Please try again/)

  await rig.request('maintenance', { on: true })
  const maintenance = await rig.waitForScreen(/Dang bao tri/)
  for (const text of [/Under maintenance/, /Xin loi vi bat tien/, /Sorry for the wait/]) t.match(maintenance, text, 'maintenance in both')
  await rig.request('maintenance', { on: false })
  await rig.waitForScreen(/Xin chao/)

  for (const language of LANGUAGES) {
    if (language === 'vi') await rig.press('1')
    else await rig.press('2')
    await rig.waitForScreen(say(language, /Chon dich vu/, /Services/))
    await rig.press('9')
    const notice = await rig.waitForScreen(say(language, /Phim khong hop le/, /Key not valid here/))
    t.notMatch(notice, say(language, /Key not valid/, /Phim khong/), `${language}: the menu's notice in the language chosen only`)
    await rig.press('back')
    await rig.waitForScreen(/Xin chao/)
  }
})

t.test('the menu knows the station: a procedure needing the printer or a reader that is down says why before it starts', async (t) => {
  const rig = await startProcedureRig(t)
  for (const language of LANGUAGES) {
    await rig.request('sim.printer', { state: 'paper-out' })
    await rig.waitFor('the printer to be reported', async () => (await rig.status()).devices.printer?.state !== 'ok')
    if (language === 'vi') await rig.card()
    else await rig.press('2')
    await rig.waitForScreen(say(language, /Chon dich vu/, /Services/))
    await rig.choose('4')
    const refused = await rig.waitForScreen(say(language, /Tam chua phuc vu/, /Not available now/))
    t.match(refused, say(language, /May in dang loi/, /Printer out of/), `${language}: pay-bill needs the printer for its QR slip`)
    t.equal((await rig.status()).phase, 'menu', `${language}: the resident has not started it`)
    await rig.choose('1')
    await rig.waitFor('feedback to start', async () => (await rig.status()).step?.flow === 'security-feedback')
    t.pass(`${language}: a procedure whose receipt may fail (its code stays on screen) is still offered`)
    await backToQuestion(rig)
    await rig.press('1')
    await rig.waitForScreen(/Xin chao/, 8000)
    await rig.request('sim.printer', { state: 'paper-ok' })
    await rig.waitFor('the printer to be back', async () => (await rig.status()).devices.printer?.state === 'ok')

    await rig.request('sim.unplug', { device: 'scanner' })
    await rig.waitFor('the scanner to be absent', async () => (await rig.status()).devices.scanner?.state === 'absent')
    await rig.press(language === 'vi' ? '1' : '2')
    await rig.waitForScreen(say(language, /Chon dich vu/, /Services/))
    await rig.press('1')
    const noReader = await rig.waitForScreen(say(language, /Dau doc the dang loi/, /Card reader out of/))
    t.ok(noReader, `${language}: no card scan that cannot happen`)
    await rig.press('back')
    await rig.waitForScreen(/Xin chao/)
    await rig.request('sim.replug', { device: 'scanner' })
    await rig.waitFor('the scanner to be back', async () => (await rig.status()).devices.scanner?.state === 'ok', 8000)
  }
})

t.test('the menu knows the station: without the link to central a look-up procedure says so before it starts', async (t: Test) => {
  const s = await start(t, null)
  for (const language of LANGUAGES) {
    await s.waitForScreen(/Xin chao/)
    await s.press(language === 'vi' ? '1' : '2')
    await s.waitForScreen(language === 'vi' ? /Chon dich vu/ : /Services/)
    await s.press('3')
    const refused = await s.waitForScreen(language === 'vi' ? /Mat ket noi trung/ : /No link to central/)
    t.ok(refused, `${language}: track-dossier needs central`)
    t.equal((await s.status()).phase, 'menu')
    await s.press('back')
  }
})

t.test('idle: a warning with its countdown comes first, a key keeps everything, and at zero the session is wiped', async (t) => {
  // 9 s: the warning shows for the last third (3 s); the bundled steps wait 60 s, longer than that.
  const rig = await startProcedureRig(t, { configure: (config) => (config.session.idleTimeoutS = 9) })
  for (const language of LANGUAGES) {
    await rig.openProcedure('security-feedback', language)
    await rig.waitForScreen(/^1 /m)
    const warning = await rig.waitForScreen(say(language, /Bam phim bat ky de tiep tuc/, /Press any key to continue/), 9000)
    t.match(warning, say(language, /Con [1-3] giay/, /[1-3] s left/), `${language}: the warning counts down`)
    t.equal(await step(rig), 'topic', `${language}: nothing is wiped yet`)
    await rig.press('1')
    await rig.waitForScreen(/^1 /m)
    t.equal(await step(rig), 'topic', `${language}: the key answered the warning and chose nothing`)
    await rig.waitForScreen(say(language, /Bam phim bat ky de tiep tuc/, /Press any key to continue/), 9000)
    await rig.waitForScreen(/Xin chao/, 5000)
    t.equal((await rig.status()).phase, 'welcome', `${language}: at zero the session is wiped`)
    t.ok(rig.logLines.some((line) => line.event === 'session.idle_timeout'), 'central hears of it')
  }
})

t.test('waiting screens show their countdown: the payment wait counts down on its title row', async (t) => {
  const rig = await startProcedureRig(t)
  for (const language of LANGUAGES) {
    await rig.openProcedure('pay-bill', language)
    await rig.waitForScreen(/^1 /m)
    await rig.press('2', '2', '0', '0', '2', '0', '0', '0', '1', 'ok')
    await rig.waitForScreen(say(language, /OK neu dung ten/, /OK if this is you/))
    await rig.press('ok')
    await rig.waitForScreen(say(language, /So tien/, /Amount/))
    await rig.press('ok')
    await rig.waitFor('the payment wait', async () => (await step(rig)) === 'paying')
    const first = (await rig.screen()).split('\n')[0] ?? ''
    const countdown = /(\d+):(\d\d)$/.exec(first.trimEnd())
    t.ok(countdown, `${language}: the title row ends with the time left (${first})`)
    await new Promise((resolve) => setTimeout(resolve, 2100))
    const later = /(\d+):(\d\d)$/.exec(((await rig.screen()).split('\n')[0] ?? '').trimEnd())
    const seconds = (match: RegExpExecArray | null) => (match ? Number(match[1]) * 60 + Number(match[2]) : NaN)
    t.ok(seconds(later) < seconds(countdown), `${language}: and it goes down`)
    await rig.press('back')
    await rig.press('ok')
    await rig.waitForScreen(/Xin chao/, 15_000)
  }
})

t.test('security feedback: 113 for emergencies, then where (building, floor) and a description that fits the topic', async (t) => {
  const rig = await startProcedureRig(t)
  for (const language of LANGUAGES) {
    await rig.openProcedure('security-feedback', language)
    const topics = await rig.waitForScreen(/^1 /m)
    t.match(topics, say(language, /Khan cap: goi 113/, /Emergency: call 113/), `${language}: the first screen of the topics names 113`)
    await rig.choose('4')
    await rig.waitForScreen(say(language, /Toa nha so may\?/, /Building number\?/))
    await rig.press('3', 'ok')
    await rig.waitForScreen(say(language, /Tang may\?/, /Floor\?/))
    await rig.press('1', '2', 'ok')
    const details = await rig.waitForScreen(say(language, /Viec gi xay ra\?/, /What happened\?/))
    t.match(details, say(language, /1 Mui khet, khoi/, /1 Smoke, burning/), `${language}: a fire hazard is described in fire words`)
    t.notMatch(details, say(language, /Mat trom xe/, /Vehicle stolen/), `${language}: no theft words`)
    await rig.choose('3')
    await rig.waitFor('the phone step', async () => (await step(rig)) === 'phone')
    await rig.press('ok')
    const confirm = await rig.waitForScreen(say(language, /Bam OK de gui/, /Press OK to send/))
    t.match(confirm, say(language, /Loi thoat bi chan\s+Toa 3, tang 12/, /Fire exit blocked\s+Bldg 3, floor 12/), `${language}: the confirm screen says what and where`)
    await rig.press('ok')
    const sent = await rig.submissions.waitFor((m) => m.payload?.flow === 'security-feedback' && m.payload?.data?.language === language, 8000)
    t.strictSame(sent.payload.data.answers, { topic: 'fire_risk', detail: 'exit_blocked', building: '3', floor: '12', phone: '' }, `${language}: the answers sent`)
    await rig.waitFor('the receipt', async () => (await rig.receipt()).count >= (language === 'vi' ? 1 : 2), 8000)
    const paper = ((await rig.receipt()).lines ?? []).join('\n')
    t.match(paper, say(language, /Noi: toa 3, tang 12/, /Where: building 3, floor 12/), `${language}: the receipt says where`)
    t.match(paper, say(language, /Khan cap: goi 113/, /Emergency: call 113/), `${language}: and where to call in an emergency`)
    await rig.waitForScreen(/Xin chao/, 8000)
  }
  // Step ids reach events and logs; the topic and what happened must not (the steps are the same for every topic).
  const logged = JSON.stringify(rig.logLines)
  t.notMatch(logged, /fire_risk|exit_blocked/, 'no answer in the station log or its events')
  t.ok(rig.logLines.some((line) => line.event === 'flow.step' && line.step === 'detail'), 'the steps were logged, under the same id for every topic')
})
