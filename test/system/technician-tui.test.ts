/**
 * `station tui` as a technician uses it: in a real tmux (80x24) against a running simulated
 * station on a private broker; its keys change the station, and without a terminal it prints once.
 */
import { execFile, spawn } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { controlSocketPath } from '../../runtime/control/socket-path.js'
import { startMosquitto } from '../support/mosquitto.js'
import { writeTestConfig } from '../support/sim-residents.js'
import { STATION_BIN, startStationProcess, station, waitUntil } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

const run = promisify(execFile)

t.test('station tui in tmux: panels, maintenance key with confirmation, test print; plain when piped', async (t) => {
  const broker = await startMosquitto(t)
  const dir = testDir(t, {})
  const dataDir = join(dir, 'data')
  const config = writeTestConfig(dir)
  const proc = await startStationProcess(t, dataDir, ['--sim', '--no-central', '--config', config, '--broker', broker.url])
  await waitUntil('the link up', async () => ((await proc.request('status')) as { link: { connected: boolean } }).link.connected || undefined)

  const tmuxSocket = `cs-tui-${process.pid}-${Date.now()}`
  const tmux = (...args: string[]) => run('tmux', ['-L', tmuxSocket, ...args])
  t.teardown(() => tmux('kill-server').catch(() => undefined))
  await tmux('new-session', '-d', '-x', '80', '-y', '24', `${process.execPath} ${STATION_BIN} tui --data-dir ${dataDir}`)
  const pane = async () => (await tmux('capture-pane', '-p')).stdout
  const screen = await waitUntil('the tui on screen', async () => {
    const text = await pane()
    return /SESSION/.test(text) ? text : undefined
  })
  const lines = screen.replace(/\n+$/, '').split('\n')
  t.ok(lines.length <= 24, 'fits 24 rows')
  for (const line of lines) t.ok([...line].length <= 80, `fits 80 columns: ${JSON.stringify(line)}`)
  t.match(screen, /lobby-test ready · maintenance off/)
  t.match(screen, /DEVICE\s+STATE\s+READS PRINTS RETRY FAULT/)
  t.match(screen, /printer\s+ok\s+0\s+0\s+0\s+0\s+paper ok, cover closed/)
  t.match(screen, new RegExp(`LINK    connected ${broker.url.replace(/[/.]/g, '\\$&')} since`))
  t.match(screen, /OUTBOX  0 waiting · 0 delivered today/)
  t.match(screen, /SESSION nobody \(welcome screen\)/)
  t.match(screen, /t:print c:card k:keys d:display m:maint r:reload o:drain x:restart q:quit/)

  await tmux('send-keys', 'm')
  await waitUntil('the question', async () => (/Enter maintenance \(no residents served\)\? y\/n/.test(await pane()) ? true : undefined))
  t.equal(((await proc.request('status')) as { maintenance: { on: boolean } }).maintenance.on, false, 'nothing before the answer')
  await tmux('send-keys', 'y')
  await waitUntil('maintenance on', async () => (((await proc.request('status')) as { maintenance: { on: boolean } }).maintenance.on ? true : undefined))
  const status = await station(['status', '--data-dir', dataDir])
  t.match(status.stdout, /maintenance: on \(technician\)/, 'station status says so')
  await waitUntil('the header', async () => (/maintenance ON \(technician\)/.test(await pane()) ? true : undefined))

  await tmux('send-keys', 't')
  await waitUntil('the print result', async () => (/test receipt printed: paper ok, cover closed/.test(await pane()) ? true : undefined))
  const receipt = await station(['sim', 'receipt', '--data-dir', dataDir])
  t.match(receipt.stdout, /TEST RECEIPT/)
  t.match(receipt.stdout, /requested by a technician/)
  t.match(receipt.stdout, /paper out: no/)
  await waitUntil('the print counted', async () => (/printer\s+ok\s+0\s+1\s+0\s+0/.test(await pane()) ? true : undefined))

  // Larger: events and log move beside the devices, and nothing of the old frame is left over.
  await tmux('resize-window', '-x', '120', '-y', '40')
  const wide = await waitUntil('the wide layout', async () => {
    const text = await pane()
    return /DEVICE.* EVENTS/.test(text) ? text : undefined
  })
  for (const line of wide.split('\n')) t.ok([...line].length <= 120, `fits 120 columns: ${JSON.stringify(line)}`)
  t.equal(wide.split('\n').filter((line) => line.includes('DEVICE')).length, 1, 'one frame on screen after the resize')
  await tmux('send-keys', 'q')
  await waitUntil('the tui gone', async () => {
    const sessions = await tmux('list-sessions').then(() => 'running', () => 'gone')
    return sessions === 'gone' ? true : undefined
  })

  // Piped: the same panels once, exit 0, nothing waits for keys.
  const piped = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn('sh', ['-c', `"${process.execPath}" "${STATION_BIN}" tui --data-dir "${dataDir}" | cat`], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout }))
  })
  t.equal(piped.code, 0)
  t.match(piped.stdout, /lobby-test ready · maintenance ON \(technician\)/)
  for (const panel of ['DEVICE', 'LINK    connected', 'OUTBOX', 'SESSION', 'EVENTS', 'LOG']) t.match(piped.stdout, panel)
  t.match(piped.stdout, /maintenance\.entered reason=technician/, 'the recent events')
  t.match(piped.stdout, /\d\d:\d\d:\d\d INFO  runtime\.events: event event=maintenance\.entered/, 'the log tail, from the logger')
  t.notMatch(piped.stdout, /t:print/, 'no help line when printed')
  for (const line of piped.stdout.trimEnd().split('\n')) t.ok([...line].length <= 80, `plain fits 80 columns: ${JSON.stringify(line)}`)
})

t.test('no station: a clear message and exit 1, no stack trace', async (t) => {
  const dir = testDir(t, {})
  const result = await station(['tui', '--data-dir', join(dir, 'nothing')])
  t.equal(result.code, 1)
  t.match(result.stderr, /^station tui: no station is running.* \(no socket at \S+\.sock\)\n$/)
  t.notMatch(result.stderr, /\bat \S+ \(/, 'no stack trace')
  t.equal(result.stdout, '')
})

t.test('--config finds the station through the config file; a bad one exits 78', async (t) => {
  const dir = testDir(t, {})
  const config = join(dir, 'station.yaml')
  const { writeFileSync } = await import('node:fs')
  writeFileSync(config, `station:\n  id: lobby-test\ndataDir: ${join(dir, 'configured')}\n`)
  const result = await station(['tui', '--config', config])
  t.equal(result.code, 1)
  t.ok(result.stderr.includes(`no socket at ${controlSocketPath(join(dir, 'configured'))}`), 'the socket of the configured data dir')
  writeFileSync(config, 'station: [unclosed\n')
  const bad = await station(['tui', '--config', config])
  t.equal(bad.code, 78)
})
