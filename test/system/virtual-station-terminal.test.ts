/**
 * The virtual station in a real terminal (tmux) at 80x24: one clean frame (the header once, no
 * line wider than the terminal), and a burst of typed digits reaches the keypad whole and in order.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { startMosquitto } from '../support/mosquitto.js'
import { REPO_ROOT, STATION_BIN, station, waitUntil } from '../support/station-process.js'
import { startTmux, type TmuxSession } from '../support/tmux.js'
import { testDir } from '../support/test-dir.js'

const SIM_CONFIG = join(REPO_ROOT, 'config', 'sim.yaml')

async function screenShows(terminal: TmuxSession, pattern: RegExp, timeoutMs = 5000): Promise<string> {
  return waitUntil(`the terminal showing ${pattern}`, async () => {
    const screen = await terminal.capture()
    return pattern.test(screen) ? screen : undefined
  }, timeoutMs)
}

function checkOneFrame(t: Test, screen: string, columns: number, what: string) {
  t.equal(screen.match(/citizen-station ·/g)?.length, 1, `${what}: the header once`)
  const widest = Math.max(...screen.split('\n').map((line) => [...line].length))
  t.ok(widest <= columns, `${what}: widest line ${widest} <= ${columns}`)
}

t.test('at 80x24 the frame is drawn once and a burst of digits is typed whole', async (t) => {
  const broker = await startMosquitto(t)
  const root = testDir(t, {})
  const dataDir = join(root, 'data')
  const pidFile = join(root, 'station.pid')
  const command = `echo $$ > ${pidFile}; exec ${process.execPath} ${STATION_BIN} run --sim --interactive --config ${SIM_CONFIG} --data-dir ${dataDir} --broker ${broker.url}`
  const terminal = await startTmux(t, `sh -c '${command}'`, 80, 24)
  const pid = Number((await waitUntil('the pid file', () => readFile(pidFile, 'utf8'))).trim())
  t.teardown(() => {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  })
  checkOneFrame(t, await screenShows(terminal, /Xin chao/, 20_000), 80, 'welcome')

  await terminal.sendKeys('c')
  await screenShows(terminal, /Chon dich vu/)
  await terminal.sendKeys('1')
  // The terminal shows the LCD's CGRAM glyphs (â ê đ), so letters with marks are matched loosely.
  await screenShows(terminal, /Kh.n c.p: g.i 113/)
  // Theft, this building (Enter is OK), no floor, the first description: the phone step.
  await terminal.sendKeys('1')
  await screenShows(terminal, /T.a nh. s. m.y/)
  await terminal.sendKeys('Enter')
  await screenShows(terminal, /T.ng m.y/)
  await terminal.sendKeys('Enter')
  await screenShows(terminal, /Vi.c g. x.y ra/)
  await terminal.sendKeys('1')
  await screenShows(terminal, /S.T li/)
  // One send-keys: the terminal delivers the digits as one chunk, faster than any press.
  await terminal.sendKeys('09123')
  const typed = await screenShows(terminal, /> 09123\b/)
  checkOneFrame(t, typed, 80, 'after the burst')

  // Another shell's presses arrive in order too.
  const cli = await station(['sim', 'press', '4', '5', '6', '7', '8', '--data-dir', dataDir])
  t.equal(cli.code, 0, cli.stderr)
  await screenShows(terminal, /> 0912345678\b/)
  const sent = (await station(['sim', 'screen', '--data-dir', dataDir])).stdout
  t.match(sent, /> 0912345678/, 'the display holds every digit in order')

  await terminal.resize(100, 30)
  checkOneFrame(t, await screenShows(terminal, /> 0912345678\b/), 100, 'resized to 100x30')
  await terminal.resize(80, 24)
  await new Promise((resolve) => setTimeout(resolve, 500))
  checkOneFrame(t, await screenShows(terminal, /> 0912345678\b/), 80, 'back to 80x24')
  await terminal.sendKeys('q')
  await waitUntil('the station to quit', () => {
    try {
      process.kill(pid, 0)
      return undefined
    } catch {
      return true
    }
  }, 5000)
})
