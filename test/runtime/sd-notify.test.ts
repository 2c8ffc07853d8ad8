import t, { type Test } from 'tap'
import { createNotifier, notifySocketTarget, watchdogIntervalMs } from '../../runtime/sd-notify.js'
import { assignments, openNotifySocket, shortSocketPath, type NotifySocket } from '../support/notify-socket.js'
import { waitUntil } from '../support/wait-until.js'

/** Datagrams arrive within milliseconds: a short deadline, polled often (the checks are cheap). */
const waitFor = (what: string, check: () => boolean): Promise<true> => waitUntil(what, check, 3000, 10)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function collectWarnings(): { warn: (message: string) => void; warnings: string[] } {
  const warnings: string[] = []
  return { warn: (message) => warnings.push(message), warnings }
}

t.test('without NOTIFY_SOCKET nothing is sent', async (t) => {
  const socket = await openNotifySocket(t, shortSocketPath(t))
  const { warn, warnings } = collectWarnings()
  const quiet = createNotifier({ WATCHDOG_USEC: '20000' }, { pid: process.pid, warn })
  quiet.ready('ready')
  quiet.status('busy')
  quiet.stopping('stopping')
  quiet.close()
  // A notifier that does send, called afterwards, shows that the quiet one had its chance and sent nothing.
  createNotifier({ NOTIFY_SOCKET: socket.address }, { pid: process.pid, warn }).stopping('bye')
  await waitFor('the loud notifier', () => socket.received.length > 0)
  await sleep(100)
  t.strictSame(assignments(socket.received), ['STOPPING=1', 'STATUS=bye'])
  t.strictSame(warnings, [])
})

async function readyStatusStopping(t: Test, socket: NotifySocket): Promise<void> {
  const { warn, warnings } = collectWarnings()
  const notifier = createNotifier({ NOTIFY_SOCKET: socket.address }, { pid: process.pid, warn })
  notifier.ready('ready: 1 device ok')
  notifier.status('ready: 1 device ok')
  notifier.status('busy:\nline two')
  notifier.stopping('stopping (SIGTERM)')
  notifier.close()
  await waitFor('three datagrams', () => socket.received.length === 3)
  t.strictSame(assignments(socket.received), [
    'READY=1',
    'STATUS=ready: 1 device ok',
    'STATUS=busy: line two',
    'STOPPING=1',
    'STATUS=stopping (SIGTERM)',
  ], 'an unchanged status is not sent again; a newline cannot start another assignment')
  t.ok(socket.received.every((datagram) => datagram.pid === process.pid), 'sent by this process itself')
  t.strictSame(warnings, [])
}

t.test('ready, status and stopping reach a path socket, from this pid', async (t) => {
  await readyStatusStopping(t, await openNotifySocket(t, shortSocketPath(t)))
})

t.test('and an abstract socket named with @', async (t) => {
  await readyStatusStopping(t, await openNotifySocket(t, `@citizen-station-test-${process.pid}`))
})

t.test('the watchdog is pinged at half of WATCHDOG_USEC until close, with the status when it changed', async (t) => {
  const socket = await openNotifySocket(t, shortSocketPath(t))
  let line = 'ready: 3 devices ok'
  // 60 ms watchdog: a ping every 30 ms.
  const notifier = createNotifier(
    { NOTIFY_SOCKET: socket.address, WATCHDOG_USEC: '60000', WATCHDOG_PID: String(process.pid) },
    { pid: process.pid, warn: () => undefined, statusLine: () => line },
  )
  notifier.ready(line)
  await waitFor('two watchdog pings', () => assignments(socket.received).filter((a) => a === 'WATCHDOG=1').length >= 2)
  line = 'ready: 2 of 3 devices ok (printer faulty)'
  await waitFor('the new status', () => assignments(socket.received).includes(`STATUS=${line}`))
  notifier.stopping('stopping (SIGTERM)')
  line = 'ready: 3 devices ok'
  await waitFor('a ping after stopping', () => socket.received.at(-1)?.text === 'WATCHDOG=1\n')
  notifier.close()
  await sleep(100)
  const afterClose = socket.received.length
  await sleep(150)
  t.equal(socket.received.length, afterClose, 'no pings after close')
  const statuses = assignments(socket.received).filter((a) => a.startsWith('STATUS='))
  t.strictSame(statuses, ['STATUS=ready: 3 devices ok', 'STATUS=ready: 2 of 3 devices ok (printer faulty)', 'STATUS=stopping (SIGTERM)'])
  const gaps = socket.received.slice(1).map((datagram, i) => datagram.atMs - socket.received[i]!.atMs)
  t.ok(Math.max(...gaps) < 1000, 'pings keep coming')
})

t.test('no watchdog pings when WATCHDOG_PID names another process', async (t) => {
  const socket = await openNotifySocket(t, shortSocketPath(t))
  const notifier = createNotifier(
    { NOTIFY_SOCKET: socket.address, WATCHDOG_USEC: '40000', WATCHDOG_PID: String(process.pid + 1) },
    { pid: process.pid, warn: () => undefined, statusLine: () => 'ready' },
  )
  notifier.ready('ready')
  notifier.ready('ready')
  await sleep(200)
  notifier.close()
  t.strictSame(assignments(socket.received), ['READY=1', 'STATUS=ready', 'READY=1'])
})

t.test('a socket that is gone is told once, and sending goes on', async (t) => {
  const { warn, warnings } = collectWarnings()
  const notifier = createNotifier({ NOTIFY_SOCKET: shortSocketPath(t, 'absent') }, { pid: process.pid, warn })
  notifier.ready('ready')
  notifier.stopping('stopping')
  notifier.close()
  t.equal(warnings.length, 1)
  t.match(warnings[0], /cannot notify systemd through .*absent \(errno 2\)/)
})

t.test('an unusable NOTIFY_SOCKET or a missing addon leaves the station running, with a warning', async (t) => {
  const { warn, warnings } = collectWarnings()
  createNotifier({ NOTIFY_SOCKET: 'relative/notify' }, { pid: process.pid, warn }).ready('ready')
  createNotifier(
    { NOTIFY_SOCKET: '/run/systemd/notify' },
    {
      pid: process.pid,
      warn,
      loadSend: () => {
        throw new Error('Cannot find module sd_notify.node')
      },
    },
  ).ready('ready')
  t.equal(warnings.length, 2)
  t.match(warnings[0], /neither an absolute path nor an @abstract name/)
  t.match(warnings[1], /sd_notify addon is missing .*Cannot find module/)
})

t.test('NOTIFY_SOCKET forms and watchdog intervals', async (t) => {
  t.strictSame(notifySocketTarget('/run/systemd/notify'), { ok: true, target: '/run/systemd/notify' })
  t.strictSame(notifySocketTarget('@name'), { ok: true, target: '@name' })
  t.equal(notifySocketTarget('@').ok, false)
  t.equal(notifySocketTarget('').ok, false)
  t.equal(notifySocketTarget(undefined).ok, false)
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 7), 15_000)
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 7), 15_000)
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '' }, 7), 15_000)
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '8' }, 7), null)
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '0' }, 7), null)
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: 'soon' }, 7), null)
  t.equal(watchdogIntervalMs({}, 7), null)
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '1' }, 7), 1)
})
