import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { referenceFromId } from '../../runtime/kiosk/reference-code.js'
import { startMosquitto, subscribeCollect } from '../support/mosquitto.js'
import { submitFeedback, tryToStart } from '../support/kiosk-driver.js'
import { writeTestConfig } from '../support/sim-residents.js'
import { startStationProcess, waitForScreen, waitUntil } from '../support/station-process.js'
import { fill, mountTmpfs, unfill } from '../support/tmpfs.js'
import { testDir } from '../support/test-dir.js'

const STORAGE = 'storage:\n  reserveBytes: 524288\n  outboxSegmentBytes: 262144\n  outboxMaxBytes: 2097152\nhardware:\n  keypad:\n    pollIntervalMs: 5\n'

t.test('a disk too full for the boot counter: the station starts, delivers the queue, refuses new submissions, and takes them again once space is back', async (t) => {
  const dir = testDir(t, {})
  const dataDir = await mountTmpfs(t, 4 * 1024 * 1024)
  const config = writeTestConfig(dir, STORAGE)
  const broker = await startMosquitto(t)
  await broker.stop()
  const args = ['--sim', '--config', config, '--broker', broker.url]

  // Three submissions while central is out of reach: they wait in the outbox.
  const first = await startStationProcess(t, dataDir, args)
  const queued: string[] = []
  for (let i = 0; i < 3; i++) {
    const reference = await submitFeedback(first)
    t.ok(reference, `submission ${i + 1} stored`)
    queued.push(reference as string)
  }
  t.equal(await first.stop(), 0)
  const bootBefore = JSON.parse(await readFile(join(dataDir, 'state.json'), 'utf8')).bootCount as number

  const filler = await fill(dataDir)
  await broker.start()
  const submissions = await subscribeCollect(broker.url, 'cs/v1/+/submissions')
  const events = await subscribeCollect(broker.url, 'cs/v1/+/events')
  t.teardown(() => Promise.all([submissions.close(), events.close()]))

  const second = await startStationProcess(t, dataDir, args)
  t.match(second.logs(), /boot counter not written/, 'the failed write is logged')
  const full = (await second.request('status')) as any
  t.match(full.outbox.storage, { state: 'full' }, 'status says storage is full')
  t.equal(full.bootCount, bootBefore + 1, 'the boot number is taken even though it could not be written')
  await waitForScreen(second, /Tam ngung nhan ho so/)
  await events.waitFor((message) => message.payload.type === 'storage.full', 10_000)

  // Delivery needs no space: every queued submission reaches central.
  await waitUntil('queued ones delivered', () => {
    const seen = new Set(submissions.messages.map((message) => referenceFromId(message.payload.id)))
    return queued.every((reference) => seen.has(reference)) ? true : undefined
  }, 20_000)
  await waitUntil('outbox drained', async () => (((await second.request('status')) as any).outbox.depth === 0 ? true : undefined))

  const refused = await tryToStart(second)
  t.match(refused, /Tam ngung nhan ho so/, `a new submission is refused with a clear screen:\n${refused}`)
  t.equal(((await second.request('status')) as any).outbox.depth, 0, 'nothing was queued')
  await second.request('sim.press', { key: 'back' })
  await waitForScreen(second, /Tam ngung nhan ho so/)

  await unfill(filler)
  await events.waitFor((message) => message.payload.type === 'storage.ok', 10_000)
  await waitForScreen(second, /Quet CCCD/, 10_000)
  t.match(((await second.request('status')) as any).outbox.storage, { state: 'ok' })
  t.equal(JSON.parse(await readFile(join(dataDir, 'state.json'), 'utf8')).bootCount, bootBefore + 1, 'the boot counter is written once space is back')

  const after = await submitFeedback(second)
  t.ok(after, 'a submission is taken again')
  await waitUntil('the new one delivered', () =>
    submissions.messages.some((message) => referenceFromId(message.payload.id) === after) ? true : undefined, 15_000)
  t.equal(await second.stop(), 0)
})
