/**
 * Proves, against the built station as a real process and a private mosquitto, that a printer out of
 * paper never costs a resident their submission: a technician's `station sim printer paper-out`
 * makes the station report the printer degraded and tell central (device.fault over MQTT); a
 * resident still completes security feedback, sees the printer-failed notice with the reference
 * code, and the submission reaches the broker exactly once with no receipt printed. Once paper is
 * back central hears device.recovered, and the next resident gets a receipt carrying their code.
 * Neither the MQTT events nor the station's log carry the resident's ID number or name.
 */
import { join } from 'node:path'
import t from 'tap'
import { referenceFromId } from '../../runtime/kiosk/reference-code.js'
import { startMosquitto, subscribeCollect, type CollectedMessage } from '../support/mosquitto.js'
import { ID_NUMBER, NAME, QR, writeTestConfig } from '../support/sim-residents.js'
import { startStationProcess, station, waitForScreen, waitUntil } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

const STATION_ID = 'lobby-test' // set by writeTestConfig
const PHONE = '0912345678'
const REFERENCE = /\d{4}-\d{4}-\d{4}/

interface PrinterHealth {
  state: string
  lastError?: string
  lastErrorCode?: string
}
interface Status {
  ready: boolean
  link: { connected: boolean }
  outbox: { depth: number }
  devices: { printer?: PrinterHealth }
}
interface Receipt {
  lines: string[] | null
  count: number
}

t.test('paper out: the procedure still completes, central hears of it, and the printer recovers', async (t) => {
  const broker = await startMosquitto(t)
  // Subscribed before the station starts, so nothing it publishes can be missed.
  const submissions = await subscribeCollect(broker.url, `cs/v1/${STATION_ID}/submissions`)
  const events = await subscribeCollect(broker.url, `cs/v1/${STATION_ID}/events`)
  t.teardown(() => Promise.all([submissions.close(), events.close()]))
  const dir = testDir(t, {})
  const dataDir = join(dir, 'data')
  const config = writeTestConfig(dir)
  const proc = await startStationProcess(t, dataDir, ['--sim', '--config', config, '--broker', broker.url])
  const cli = (...args: string[]) => station([...args, '--data-dir', dataDir])
  const status = async (): Promise<Status> => {
    const result = await cli('status', '--json')
    if (result.code !== 0) throw new Error(`station status exited ${result.code}: ${result.stderr}`)
    return JSON.parse(result.stdout) as Status
  }
  const receipt = async (): Promise<Receipt> => JSON.parse((await cli('sim', 'receipt', '--json')).stdout) as Receipt
  const isPrinterEvent = (type: string) => (m: CollectedMessage) => m.payload?.type === type && m.payload?.device === 'printer'

  // Events are dropped while the link is offline, so the fault must happen once the link is up.
  await waitUntil('the MQTT link to connect', async () => ((await status()).link.connected ? true : undefined))
  await waitForScreen(proc, /Xin chao/)

  // 3. The technician takes the paper out.
  t.equal((await cli('sim', 'printer', 'paper-out')).code, 0, 'sim printer paper-out accepted')
  // The printer's idle status poll (every 3 s) notices it.
  const degraded = await waitUntil(
    'the printer to be reported degraded',
    async () => {
      const printer = (await status()).devices.printer
      return printer?.state === 'degraded' ? printer : undefined
    },
    8000,
  )
  t.equal(degraded.lastError, 'paper out', 'status says why the printer is degraded')

  // 4. Central hears of it over MQTT.
  const fault = await events.waitFor(isPrinterEvent('device.fault'), 8000)
  t.equal(fault.topic, `cs/v1/${STATION_ID}/events`)
  t.equal(fault.payload.state, 'degraded', 'the fault event says degraded')
  t.equal(fault.payload.code, 'E_PRINTER_NOT_READY', 'the fault event carries the error code')
  t.equal(fault.payload.reason, 'paper out', 'the fault event says paper out')
  t.ok(Number.isFinite(Date.parse(fault.payload.ts)), 'the fault event carries an ISO timestamp')

  // 5. The first resident files security feedback while the printer has no paper.
  t.equal((await cli('sim', 'card', 'cccd', QR)).code, 0, 'card presented')
  await waitForScreen(proc, /Chon dich vu/)
  t.equal((await cli('sim', 'press', '1')).code, 0, 'procedure: security feedback')
  await waitForScreen(proc, /Khan cap: goi 113/)
  t.equal((await cli('sim', 'press', '1', 'ok', 'ok', '1')).code, 0, 'theft, this building, no floor, vehicle stolen')
  await waitForScreen(proc, /SDT/)
  t.equal((await cli('sim', 'press', ...PHONE.split(''), 'ok')).code, 0, 'phone typed')
  await waitForScreen(proc, /OK de gui/)
  t.equal((await cli('sim', 'press', 'ok')).code, 0, 'confirmed')

  // Wait for the code too: the notice and the code are written to the display row by row.
  const notice = await waitForScreen(proc, new RegExp(`May in dang loi[\\s\\S]*${REFERENCE.source}`))
  const firstCode = REFERENCE.exec(notice)?.[0]
  t.ok(firstCode, 'the printer-failed notice shows the reference code')
  t.equal((await cli('sim', 'press', 'ok')).code, 0, 'resident acknowledges the notice')
  const thanks = await waitForScreen(proc, /Cam on/)
  t.ok(firstCode && thanks.includes(firstCode), 'the thank-you screen repeats the same code')
  await waitForScreen(proc, /Xin chao/, 5000)

  // 6. The submission reaches the broker, and it is the one the resident was shown.
  const first = await submissions.waitFor(() => true, 10_000)
  t.equal(first.payload.flow, 'security-feedback')
  t.equal(first.payload.data.answers.phone, PHONE)
  const stored = proc
    .logs()
    .split('\n')
    .filter((line) => line.includes('"submission stored"'))
    .map((line) => JSON.parse(line) as { submission?: string })
  t.same(
    stored.map((line) => line.submission),
    [first.payload.id],
    'the station logged storing exactly this submission id',
  )
  t.equal(referenceFromId(first.payload.id), firstCode, 'the code on screen is derived from the delivered id')
  await waitUntil('the outbox to drain', async () => ((await status()).outbox.depth === 0 ? true : undefined))
  t.same(await receipt(), { lines: null, count: 0 }, 'no receipt came out')

  // 7. Paper back: the idle poll sees it and central hears the printer recovered.
  t.equal((await cli('sim', 'printer', 'paper-ok')).code, 0, 'sim printer paper-ok accepted')
  // waitFor rejects after 8 s, failing the test.
  const back = await events.waitFor(isPrinterEvent('device.recovered'), 8000)
  t.equal(back.topic, `cs/v1/${STATION_ID}/events`, 'central hears device.recovered for the printer within 8 s')
  const recovered = await waitUntil(
    'the printer to be ok',
    async () => {
      const printer = (await status()).devices.printer
      return printer?.state === 'ok' ? printer : undefined
    },
    3000,
  )
  t.equal(recovered.state, 'ok', 'status shows the printer ok')
  t.equal(
    events.messages.filter(isPrinterEvent('device.fault')).length,
    1,
    'one paper-out, one fault event: the failed print did not raise a second one',
  )

  // 8. The second resident (no phone this time) gets a receipt.
  t.equal((await cli('sim', 'card', 'cccd', QR)).code, 0, 'second card presented')
  await waitForScreen(proc, /Chon dich vu/)
  t.equal((await cli('sim', 'press', '1')).code, 0)
  await waitForScreen(proc, /Khan cap: goi 113/)
  t.equal((await cli('sim', 'press', '1', 'ok', 'ok', '1')).code, 0)
  await waitForScreen(proc, /SDT/)
  t.equal((await cli('sim', 'press', 'ok')).code, 0, 'no phone left')
  await waitForScreen(proc, /OK de gui/)
  t.equal((await cli('sim', 'press', 'ok')).code, 0, 'confirmed')
  const done = await waitForScreen(proc, new RegExp(`Cam on[\\s\\S]*${REFERENCE.source}`))
  t.notMatch(done, /May in dang loi/, 'no printer-failed notice this time')
  const secondCode = REFERENCE.exec(done)?.[0]
  t.ok(secondCode && secondCode !== firstCode, 'a new reference code')
  const printed = await receipt()
  t.equal(printed.count, 1, 'exactly one receipt printed')
  const paper = (printed.lines ?? []).join('\n')
  t.match(paper, /PHAN ANH AN NINH TRAT TU/)
  t.ok(secondCode && paper.includes(secondCode), 'the receipt carries the code shown on screen')
  t.notOk(paper.includes(ID_NUMBER), 'the receipt shows the masked ID only')

  const second = await submissions.waitFor((m) => m.payload?.id !== first.payload.id, 10_000)
  t.equal(referenceFromId(second.payload.id), secondCode, 'the second delivered id matches its code')
  await waitUntil('the outbox to drain', async () => ((await status()).outbox.depth === 0 ? true : undefined))
  // Give the broker time to deliver any duplicate before counting.
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.same(
    submissions.messages.map((m) => m.payload.id),
    [first.payload.id, second.payload.id],
    'each submission arrived exactly once',
  )

  // 9. No personal data in anything central hears as events, nor in the station's log.
  t.equal(await proc.stop(), 0, 'SIGTERM stops the station cleanly')
  const eventText = events.messages.map((m) => JSON.stringify(m.payload)).join('\n')
  const logText = proc.logs() + proc.stderr()
  t.ok(events.messages.length >= 2 && logText.length > 0, 'there were events and log lines to check')
  for (const secret of [ID_NUMBER, NAME, 'Nguyen Van An', '025000001', '15082003', PHONE]) {
    t.notOk(eventText.includes(secret), `no MQTT event contains ${secret}`)
    t.notOk(logText.includes(secret), `no log line contains ${secret}`)
  }
})

