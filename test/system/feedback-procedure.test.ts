import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ID_NUMBER, NAME, QR, writeTestConfig } from '../support/sim-residents.js'
import { startMosquitto, subscribeCollect } from '../support/mosquitto.js'
import { startStationProcess, station, waitForScreen, waitUntil } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

/** The version the station ships (flows/security-feedback.yaml): every submission records it. */
const FEEDBACK_VERSION = Number(/^version: (\d+)$/m.exec(readFileSync(new URL('../../flows/security-feedback.yaml', import.meta.url), 'utf8'))?.[1])

function filesUnder(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const stat = statSync(path)
    if (stat.isDirectory()) out.push(...filesUnder(path))
    else if (stat.isFile()) out.push(path)
  }
  return out
}

t.test('a resident files security feedback end to end on a simulated station', async (t) => {
  const broker = await startMosquitto(t)
  const submissions = await subscribeCollect(broker.url, 'cs/v1/+/submissions')
  const dir = testDir(t, {})
  const dataDir = join(dir, 'data')
  const config = writeTestConfig(dir)
  const proc = await startStationProcess(t, dataDir, ['--sim', '--config', config, '--broker', broker.url])
  const cli = (...args: string[]) => station([...args, '--data-dir', dataDir])

  await waitForScreen(proc, /Xin chao/)
  t.equal((await cli('sim', 'card', 'cccd', QR)).code, 0, 'card presented')
  await waitForScreen(proc, /Chon dich vu/)
  t.equal((await cli('sim', 'press', '1')).code, 0)
  await waitForScreen(proc, /Khan cap: goi 113/)
  t.equal((await cli('sim', 'press', '1', 'ok', 'ok', '1')).code, 0, 'theft, this building, no floor, vehicle stolen')
  await waitForScreen(proc, /SDT/)
  t.equal((await cli('sim', 'press', '0', '9', '1', '2', '3', '4', '5', '6', '7', '8', 'ok')).code, 0, 'phone typed')
  await waitForScreen(proc, /OK de gui/)
  t.equal((await cli('sim', 'press', 'ok')).code, 0, 'confirmed')

  const message = await submissions.waitFor(() => true, 10_000)
  t.equal(message.topic, 'cs/v1/lobby-test/submissions')
  t.type(message.payload.id, 'string')
  t.equal(message.payload.flow, 'security-feedback')
  t.equal(message.payload.flowVersion, FEEDBACK_VERSION)
  t.strictSame(message.payload.data.answers, { topic: 'theft', detail: 'vehicle_theft', building: '', floor: '', phone: '0912345678' })
  t.equal(message.payload.data.identity.personalId, ID_NUMBER, 'central receives the identity it needs')

  const done = await waitForScreen(proc, /Cam on/)
  t.match(done, /\d{4}-\d{4}-\d{4}/, 'the reference code stays on the display')
  const receipt = await cli('sim', 'receipt')
  t.equal(receipt.code, 0)
  t.match(receipt.stdout, /PHAN ANH AN NINH TRAT TU/)
  t.match(receipt.stdout, /\[QR\] \d{4}-\d{4}-\d{4}/, 'the receipt carries a QR of the reference code')
  t.match(receipt.stdout, /079\*+01/, 'the receipt shows the masked ID only')
  t.notMatch(receipt.stdout, ID_NUMBER)

  await waitForScreen(proc, /Xin chao/, 5000)
  const screen = await cli('sim', 'screen')
  t.match(screen.stdout, /Xin chao/, 'back at the welcome screen')

  const status = JSON.parse((await cli('status', '--json')).stdout)
  t.equal(status.ready, true)
  t.equal(status.outbox.depth, 0, 'the outbox is empty once central has the submission')

  // Give the broker time to deliver any duplicate before counting.
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.equal(submissions.messages.length, 1, 'exactly one submission')

  await submissions.close()
  t.equal(await proc.stop(), 0, 'SIGTERM stops the station cleanly')
  const logs = proc.logs()
  t.ok(logs.length > 0, 'the station logged')
  for (const secret of [ID_NUMBER, NAME, 'Nguyen Van An', '15082003']) {
    t.notOk(logs.includes(secret), `no log line contains ${secret}`)
    for (const file of filesUnder(dataDir)) {
      t.notOk(readFileSync(file).includes(Buffer.from(secret)), `${file} does not contain ${secret} in clear`)
    }
  }
})

