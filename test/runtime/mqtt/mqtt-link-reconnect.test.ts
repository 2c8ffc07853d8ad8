import t from 'tap'
import { startMosquitto } from '../../support/mosquitto.js'
import { createTestLink } from '../../support/test-link.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('keeps up with a broker that restarts every few seconds: connected in (nearly) every up-window', async (t) => {
  const broker = await startMosquitto(t)
  // Production-like bounds: with the old rule (reset only after a session lasted reconnectMaxMs)
  // the delay would climb toward 30 s and miss most windows.
  const link = createTestLink(t, broker.url, { reconnectMinMs: 200, reconnectMaxMs: 30_000, random: () => 0.5 })
  const connectedAt: number[] = []
  link.onStateChange((connected) => {
    if (connected) connectedAt.push(Date.now())
  })
  await link.start()
  const windows: Array<{ fromMs: number; toMs: number }> = []
  for (let restart = 0; restart < 10; restart++) {
    await broker.stop()
    await sleep(600)
    // From before start(): the link may connect while start() still waits for its own probe.
    const fromMs = Date.now()
    await broker.start()
    await sleep(4000)
    windows.push({ fromMs, toMs: Date.now() })
  }
  const served = windows.filter(({ fromMs, toMs }) => connectedAt.some((at) => at >= fromMs && at <= toMs)).length
  t.ok(served >= 9, `reconnected in ${served} of 10 up-windows`)
  t.ok(link.isConnected, 'connected at the end')
  t.ok(Number(link.health().detail?.reconnectAttempt) <= 1, 'the backoff is back near its start')
})

t.test('several broker URLs are tried in order and health names the one in use', async (t) => {
  const first = await startMosquitto(t)
  const second = await startMosquitto(t)
  await first.stop()
  const link = createTestLink(t, first.url, { urls: [first.url, second.url], reconnectMinMs: 50, reconnectMaxMs: 200 })
  const connectedTo: string[] = []
  link.onStateChange((connected) => {
    if (connected) connectedTo.push(link.broker)
  })
  await link.start()
  for (let i = 0; i < 100 && connectedTo.length === 0; i++) await sleep(20)
  t.same(connectedTo, [second.url], 'the dead first node was skipped')
  t.equal(link.health().detail?.broker, second.url)
  await first.start()
  await second.stop()
  for (let i = 0; i < 150 && connectedTo.length < 2; i++) await sleep(20)
  t.same(connectedTo, [second.url, first.url], 'after the second node died the link went back to the first')
  t.equal(link.broker, first.url)
})
