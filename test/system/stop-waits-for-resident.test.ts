import { join } from 'node:path'
import t from 'tap'
import { finishFeedback, startFeedback } from '../support/kiosk-driver.js'
import { assignments, openNotifySocket, shortSocketPath } from '../support/notify-socket.js'
import { writeTestConfig } from '../support/sim-residents.js'
import { screenText, startStationProcess, waitUntil } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('SIGTERM mid-procedure: the resident finishes, reads the reference, then the station stops', async (t) => {
  const socket = await openNotifySocket(t, shortSocketPath(t))
  const dir = testDir(t, {})
  const config = writeTestConfig(dir, '  stopGraceS: 30\n')
  const proc = await startStationProcess(t, join(dir, 'data'), ['--sim', '--config', config, '--broker', 'mqtt://127.0.0.1:1', '--no-central'], {
    NOTIFY_SOCKET: socket.address,
  })
  await startFeedback(proc)
  proc.child.kill('SIGTERM')
  await waitUntil('systemd told why the stop waits', () =>
    assignments(socket.received).includes('STATUS=stopping (SIGTERM): waiting for the resident to finish') ? true : undefined,
  )
  await sleep(1000)
  t.equal(proc.child.exitCode, null, 'still running a second after SIGTERM')
  t.match(await screenText(proc), /Bam OK de gui/, 'the resident still sees the procedure')
  const reference = await finishFeedback(proc)
  t.ok(reference, `the end screen shows the reference (${reference})`)
  t.equal(await proc.exited, 0, 'after the end screen the station stops cleanly')
  const log = proc.logs()
  t.match(log, /stop: waiting for the resident to finish/)
  t.match(log, /"residentCutOff":false[^\n]*stop: resident done/)
  t.match(log, /station stopped/)
  t.ok(assignments(socket.received).includes('STOPPING=1'))
})

t.test('the grace is a bound: a resident who stays is cut off after session.stopGraceS', async (t) => {
  const dir = testDir(t, {})
  const config = writeTestConfig(dir, '  stopGraceS: 1\n')
  const proc = await startStationProcess(t, join(dir, 'data'), ['--sim', '--config', config, '--broker', 'mqtt://127.0.0.1:1', '--no-central'])
  await startFeedback(proc)
  const sentMs = Date.now()
  proc.child.kill('SIGTERM')
  t.equal(await proc.exited, 0)
  const tookMs = Date.now() - sentMs
  t.ok(tookMs >= 1000 && tookMs < 10_000, `stopped ${tookMs} ms after SIGTERM: the grace, then the stop`)
  t.match(proc.logs(), /"residentCutOff":true[^\n]*stop: grace over, resident cut off/)
})

t.test('nobody being served: SIGTERM stops at once; a second signal cuts a wait short', async (t) => {
  const dir = testDir(t, {})
  const config = writeTestConfig(dir, '  stopGraceS: 600\n')
  const idle = await startStationProcess(t, join(dir, 'idle'), ['--sim', '--config', config, '--broker', 'mqtt://127.0.0.1:1', '--no-central'])
  const idleSentMs = Date.now()
  t.equal(await idle.stop(), 0)
  t.ok(Date.now() - idleSentMs < 10_000, 'no wait with nobody at the station')
  t.notMatch(idle.logs(), /waiting for the resident/)

  const busy = await startStationProcess(t, join(dir, 'busy'), ['--sim', '--config', config, '--broker', 'mqtt://127.0.0.1:1', '--no-central'])
  await startFeedback(busy)
  busy.child.kill('SIGTERM')
  await waitUntil('the stop waiting', () => (/waiting for the resident/.test(busy.logs()) ? true : undefined))
  busy.child.kill('SIGTERM')
  t.equal(await busy.exited, 0, 'the second SIGTERM stops it without the 600 s grace')
  t.match(busy.logs(), /resident cut off/)
})
