import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import t from 'tap'
import { createNotifier } from '../../runtime/sd-notify.js'

/**
 * Puts a stand-in `systemd-notify` first on PATH (the notifier runs it through execFile, which
 * inherits this process's PATH) that appends its arguments to a file, one call per line.
 */
function fakeSystemdNotify(t: { testdir(): string; teardown(fn: () => unknown): void }): () => string[] {
  const dir = t.testdir()
  const callsFile = join(dir, 'calls.txt')
  const script = join(dir, 'systemd-notify')
  writeFileSync(script, `#!/bin/sh\necho "$*" >> '${callsFile}'\n`)
  chmodSync(script, 0o755)
  const originalPath = process.env['PATH']
  process.env['PATH'] = `${dir}${delimiter}${originalPath ?? ''}`
  t.teardown(() => {
    process.env['PATH'] = originalPath
  })
  return () => (existsSync(callsFile) ? readFileSync(callsFile, 'utf8').split('\n').filter((line) => line !== '') : [])
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

t.test('without NOTIFY_SOCKET nothing is sent', async (t) => {
  const calls = fakeSystemdNotify(t)
  const quiet = createNotifier({ WATCHDOG_USEC: '20000' })
  quiet.ready('station ready')
  quiet.stopping()
  quiet.close()
  // A notifier that does send, called afterwards, shows that the quiet one had its chance and sent nothing.
  const loud = createNotifier({ NOTIFY_SOCKET: '/run/systemd/notify' })
  loud.stopping()
  await waitFor('the loud notifier', () => calls().length > 0)
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.strictSame(calls(), ['STOPPING=1'])
})

t.test('with NOTIFY_SOCKET ready and stopping reach systemd-notify', async (t) => {
  const calls = fakeSystemdNotify(t)
  const notifier = createNotifier({ NOTIFY_SOCKET: '/run/systemd/notify' })
  notifier.ready('station ready')
  await waitFor('READY', () => calls().length === 1)
  notifier.stopping()
  await waitFor('STOPPING', () => calls().length === 2)
  notifier.close()
  t.strictSame(calls(), ['--ready --status=station ready', 'STOPPING=1'])
})

t.test('the watchdog is pinged at half of WATCHDOG_USEC until close', async (t) => {
  const calls = fakeSystemdNotify(t)
  // 60 ms watchdog: a ping every 30 ms.
  const notifier = createNotifier({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '60000' })
  notifier.ready('station ready')
  await waitFor('two watchdog pings', () => calls().filter((line) => line === 'WATCHDOG=1').length >= 2)
  notifier.close()
  await new Promise((resolve) => setTimeout(resolve, 150))
  const afterClose = calls().length
  await new Promise((resolve) => setTimeout(resolve, 150))
  t.equal(calls().length, afterClose, 'no pings after close')
  t.equal(calls()[0], '--ready --status=station ready')
})
