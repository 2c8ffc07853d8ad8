/**
 * Closing the terminal of `npm start` (or losing the SSH session) stops the interactive station the
 * way SIGTERM does, lock released; a headless station still takes SIGHUP as "reload the flows".
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { startMosquitto } from '../support/mosquitto.js'
import { REPO_ROOT, STATION_BIN, startStationProcess, waitUntil } from '../support/station-process.js'
import { startTmux } from '../support/tmux.js'
import { testDir } from '../support/test-dir.js'

const SIM_CONFIG = join(REPO_ROOT, 'config', 'sim.yaml')

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** `npm start`'s command in a tmux terminal; the station's pid is written by the shell that execs it. */
async function interactiveInTmux(t: Parameters<typeof startTmux>[0], dataDir: string, broker: string, pidFile: string) {
  const command = `echo $$ > ${pidFile}; exec ${process.execPath} ${STATION_BIN} run --sim --interactive --config ${SIM_CONFIG} --data-dir ${dataDir} --broker ${broker}`
  const terminal = await startTmux(t, `sh -c '${command}'`, 100, 30)
  const pid = await waitUntil('the pid file', async () => Number((await readFile(pidFile, 'utf8')).trim()) || undefined)
  t.teardown(() => {
    if (alive(pid)) process.kill(pid, 'SIGKILL')
  })
  await waitUntil('the virtual station on screen', async () => ((await terminal.capture()).includes('Xin chao') ? true : undefined), 20_000)
  return { terminal, pid }
}

t.test('killing the terminal stops the interactive station and a second start on its data dir works', async (t) => {
  const broker = await startMosquitto(t)
  const root = testDir(t, {})
  const dataDir = join(root, 'data')
  const first = await interactiveInTmux(t, dataDir, broker.url, join(root, 'first.pid'))
  await first.terminal.kill()
  await waitUntil('the station to exit', () => (alive(first.pid) ? undefined : true), 5000)
  const log = await readFile(join(dataDir, 'station.log'), 'utf8')
  t.match(log, /"msg":"stopping"/, 'it stopped as on SIGTERM')
  t.match(log, /"msg":"station stopped"/, 'the graceful stop ran to its end')

  const second = await interactiveInTmux(t, dataDir, broker.url, join(root, 'second.pid'))
  t.ok(alive(second.pid), 'a second start on the same data dir runs')
  t.notMatch(await second.terminal.capture(), /another station is already running/)
  // Mid-session: a stop waits for the resident being served (session.stopGraceS), but with the
  // terminal gone nobody is left to finish, so it does not wait.
  await second.terminal.sendKeys('c')
  await waitUntil('the menu', async () => ((await second.terminal.capture()).includes('Chon dich vu') ? true : undefined), 5000)
  await second.terminal.kill()
  await waitUntil('the second station to exit', () => (alive(second.pid) ? undefined : true), 5000)
})

t.test('a headless station still reloads its flows on SIGHUP and keeps running', async (t) => {
  const broker = await startMosquitto(t)
  const dataDir = join(testDir(t, {}), 'data')
  const station = await startStationProcess(t, dataDir, ['--sim', '--config', SIM_CONFIG, '--broker', broker.url, '--no-central'])
  const loads = () => station.logs().match(/"msg":"flows loaded"/g)?.length ?? 0
  const before = loads()
  station.child.kill('SIGHUP')
  await waitUntil('the flows read again', () => (loads() > before ? true : undefined), 5000)
  const status = (await station.request('status')) as { ready: boolean }
  t.equal(status.ready, true, 'still running after SIGHUP')
  t.equal(await station.stop(), 0)
})
