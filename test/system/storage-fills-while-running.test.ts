import { join } from 'node:path'
import t from 'tap'
import { referenceFromId } from '../../runtime/kiosk/reference-code.js'
import { startMosquitto, startTcpRelay, subscribeCollect } from '../support/mosquitto.js'
import { finishFeedback, startFeedback, submitFeedback, tryToStart } from '../support/kiosk-driver.js'
import { writeTestConfig } from '../support/sim-residents.js'
import { startStationProcess, waitForScreen, waitUntil } from '../support/station-process.js'
import { fill, freeBytes, mountTmpfs, unfill } from '../support/tmpfs.js'
import { testDir } from '../support/test-dir.js'

const RESERVE_BYTES = 1024 * 1024
const STORAGE = `mqtt:\n  reconnectMaxMs: 2000\nstorage:\n  reserveBytes: ${RESERVE_BYTES}\n  outboxSegmentBytes: 262144\n  outboxMaxBytes: 3145728\nhardware:\n  keypad:\n    pollIntervalMs: 5\n`

t.test('a small data disk filling up while running: intake stops before the disk is full, nothing accepted is lost, intake resumes when space is back', async (t) => {
  const dir = testDir(t, {})
  const dataDir = await mountTmpfs(t, 6 * 1024 * 1024)
  const config = writeTestConfig(dir, STORAGE)
  const broker = await startMosquitto(t)
  const submissions = await subscribeCollect(broker.url, 'cs/v1/+/submissions')
  t.teardown(() => submissions.close())
  // Station and the reference central both reach the broker through the relay: holding it is a
  // network that has stopped, while the broker and central stay up.
  const relay = await startTcpRelay(t, broker.port)
  const station = await startStationProcess(t, dataDir, ['--sim', '--config', config, '--broker', relay.url])
  await waitUntil('link up', async () => ((await station.request('status')) as any).link.connected || undefined)

  const accepted: string[] = []
  accepted.push((await submitFeedback(station)) as string)
  relay.hold()
  for (let i = 0; i < 3; i++) accepted.push((await submitFeedback(station)) as string)
  t.equal(accepted.filter(Boolean).length, 4, 'submissions taken while there is room')

  // A resident is at the confirm screen when the disk crosses the reserve.
  await startFeedback(station)
  const receiptsBefore = ((await station.request('sim.receipt')) as { count: number }).count
  const depthBefore = ((await station.request('status')) as any).outbox.depth as number
  await fill(dataDir, RESERVE_BYTES / 2, 'filler-1')
  t.ok((await freeBytes(dataDir)) > 0, 'the disk is not full yet')
  // Past the outbox's one-second free-space reading (docs/outbox.md), so the append sees the reserve crossed.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const unrecorded = await finishFeedback(station)
  t.equal(unrecorded, null, 'the resident is told the submission was NOT recorded')
  t.equal(((await station.request('sim.receipt')) as { count: number }).count, receiptsBefore, 'no receipt is printed for it')
  t.equal(((await station.request('status')) as any).outbox.depth, depthBefore, 'nothing half-stored is queued')

  await waitForScreen(station, /Tam ngung nhan ho so/, 15_000)
  const status = (await station.request('status')) as any
  t.same(status.outbox.storage, { state: 'full', reason: 'disk-reserve' }, 'status says why')
  t.match(await tryToStart(station), /Tam ngung nhan ho so/, 'the next resident is refused before filling anything in')
  await station.request('sim.press', { key: 'back' })

  // Now really full: delivering and acknowledging still work.
  const filler = await fill(dataDir, 0, 'filler-2')
  relay.release()
  await waitUntil('every accepted one reaches central', () => {
    const seen = new Set(submissions.messages.map((message) => referenceFromId(message.payload.id)))
    return accepted.every((reference) => seen.has(reference)) ? true : undefined
  }, 20_000).catch((error) => {
    t.comment(station.logs().split('\n').slice(-40).join('\n'))
    throw error
  })
  for (const message of submissions.messages) t.equal(message.payload.data?.answers?.topic, 'disturbance', 'delivered whole')
  await waitUntil('outbox drained', async () => (((await station.request('status')) as any).outbox.depth === 0 ? true : undefined), 15_000)

  await unfill(filler)
  await unfill(join(dataDir, 'filler-1'))
  await waitForScreen(station, /Quet CCCD/, 15_000)
  t.same(((await station.request('status')) as any).outbox.storage, { state: 'ok' })
  const again = await submitFeedback(station)
  t.ok(again, 'taken again once space is back')
  await waitUntil('and delivered', () =>
    submissions.messages.some((message) => referenceFromId(message.payload.id) === again) ? true : undefined, 15_000)
  const ids = new Set(submissions.messages.map((message) => message.payload.id))
  t.equal(ids.size, accepted.length + 1, 'central has every accepted submission and nothing else')
  t.equal(await station.stop(), 0)
})
