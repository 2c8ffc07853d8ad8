import { join } from 'node:path'
import t from 'tap'
import { QR, writeTestConfig } from '../support/sim-residents.js'
import { startMosquitto, subscribeCollect } from '../support/mosquitto.js'
import { startStationProcess, waitForScreen, waitUntil } from '../support/station-process.js'

t.test('a submission made while the broker is down survives SIGKILL and arrives exactly once', async (t) => {
  const broker = await startMosquitto(t)
  const dir = t.testdir({})
  const dataDir = join(dir, 'data')
  const config = writeTestConfig(dir)
  const args = ['--sim', '--config', config, '--broker', broker.url]
  const first = await startStationProcess(t, dataDir, args)
  await waitUntil('link up', async () => ((await first.request('status')) as any).link.connected || undefined)

  await broker.stop()
  await waitUntil('link down', async () => (((await first.request('status')) as any).link.connected ? undefined : true))
  await first.request('sim.card', { kind: 'cccd', text: QR })
  await waitForScreen(first, /Chon dich vu/)
  for (const key of ['1', '2', 'ok', 'ok']) {
    await first.request('sim.press', { key })
  }
  await waitUntil('submission queued', async () => (((await first.request('status')) as any).outbox.depth === 1 ? true : undefined))
  await first.kill()

  await broker.start()
  const submissions = await subscribeCollect(broker.url, 'cs/v1/+/submissions')
  const second = await startStationProcess(t, dataDir, args)
  const message = await submissions.waitFor(() => true, 15_000)
  t.equal(message.payload.flow, 'security-feedback')
  t.equal(message.payload.data.answers.topic, 'disturbance')
  await waitUntil('outbox drained', async () => (((await second.request('status')) as any).outbox.depth === 0 ? true : undefined))
  await new Promise((resolve) => setTimeout(resolve, 1000))
  t.equal(submissions.messages.length, 1, 'exactly once')
  t.equal(await second.stop(), 0)
  await submissions.close()
})

