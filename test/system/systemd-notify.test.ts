import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { assignments, openNotifySocket, shortSocketPath } from '../support/notify-socket.js'
import { REPO_ROOT, startStationProcess, waitUntil } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

t.test('station run under systemd: READY with a readable status, watchdog pings from its pid, STOPPING', async (t) => {
  const socket = await openNotifySocket(t, shortSocketPath(t))
  const dataDir = join(testDir(t, {}), 'data')
  // 400 ms watchdog: a ping every 200 ms.
  const running = await startStationProcess(t, dataDir, ['--sim', '--broker', 'mqtt://127.0.0.1:1', '--no-central'], {
    NOTIFY_SOCKET: socket.address,
    WATCHDOG_USEC: '400000',
  })
  const pid = running.child.pid
  await waitUntil('three watchdog pings', () => (assignments(socket.received).filter((a) => a === 'WATCHDOG=1').length >= 3 ? true : undefined))
  const all = assignments(socket.received)
  t.equal(all[0], 'READY=1')
  t.match(all[1], /^STATUS=ready: \d+ devices ok, broker disconnected, outbox 0$/)
  t.ok(socket.received.every((datagram) => datagram.pid === pid), 'every datagram comes from the station process itself')
  t.equal(await running.stop(), 0)
  const last = assignments(socket.received)
  t.ok(last.includes('STOPPING=1'), 'STOPPING=1 on SIGTERM')
  t.ok(last.includes('STATUS=stopping (SIGTERM)'))
})

// The notifier in a child whose event loop the child blocks: no production code can block it.
const BLOCKING_CHILD = `
const { createNotifier } = await import(process.argv[1])
const notifier = createNotifier(process.env, { pid: process.pid, warn: (m) => console.error(m) })
notifier.ready('ready')
setTimeout(() => {
  const until = Date.now() + 1200
  while (Date.now() < until) {}
  setTimeout(() => process.exit(0), 400)
}, 400)
setInterval(() => {}, 1000)
`

t.test('a blocked event loop stops the watchdog pings, which come back after it', async (t) => {
  const socket = await openNotifySocket(t, shortSocketPath(t))
  const notifierModule = pathToFileURL(join(REPO_ROOT, 'dist', 'runtime', 'sd-notify.js')).href
  const child = spawn(process.execPath, ['--input-type=module', '-e', BLOCKING_CHILD, notifierModule], {
    env: { ...process.env, NOTIFY_SOCKET: socket.address, WATCHDOG_USEC: '100000' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  t.equal(code, 0, stderr)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const pings = socket.received.filter((datagram) => datagram.text === 'WATCHDOG=1\n')
  const gaps = pings.slice(1).map((ping, i) => ping.atMs - pings[i]!.atMs)
  const longest = Math.max(...gaps)
  t.ok(longest >= 1100, `no ping while the loop was blocked (longest gap ${Math.round(longest)} ms)`)
  const blockedAt = gaps.indexOf(longest)
  t.ok(blockedAt >= 3, 'pings every 50 ms before the block')
  t.ok(gaps.length - blockedAt >= 3, 'and after it')
  t.ok(gaps.filter((gap) => gap !== longest).every((gap) => gap < 500), 'the only long gap is the block')
})
