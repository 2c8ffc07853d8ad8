import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { REPO_ROOT, STATION_BIN } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

const run = promisify(execFile)
const UNIT = 'citizen-station.service'

/**
 * The unit as installed, in a temp dir, with ExecStart naming this machine's node and the built
 * station (systemd-analyze verify checks that the program exists). With `pigpio`, the drop-in
 * beside it as `systemctl` would read it.
 */
function unitCopy(dir: string, pigpio: boolean): string {
  const text = readFileSync(join(REPO_ROOT, 'systemd', UNIT), 'utf8')
  const execStart = /^ExecStart=\/usr\/bin\/node (\S+) \/opt\/citizen-station\/node_modules\/citizen-station\/dist\/runtime\/main\.js /m
  if (!execStart.test(text)) throw new Error('ExecStart no longer names /usr/bin/node and the installed main.js')
  writeFileSync(join(dir, UNIT), text.replace(execStart, `ExecStart=${process.execPath} $1 ${STATION_BIN} `))
  if (pigpio) {
    mkdirSync(join(dir, `${UNIT}.d`))
    cpSync(join(REPO_ROOT, 'systemd', 'pigpio-root.conf'), join(dir, `${UNIT}.d`, 'pigpio.conf'))
  }
  return join(dir, UNIT)
}

async function exposure(unitFile: string): Promise<{ score: number; report: string }> {
  const { stdout } = await run('systemd-analyze', ['security', '--offline=yes', unitFile])
  const match = /Overall exposure level for citizen-station\.service: (\d+\.\d)/.exec(stdout)
  if (!match) throw new Error(`no overall exposure level in:\n${stdout}`)
  return { score: Number(match[1]), report: stdout }
}

t.test('systemd-analyze verify accepts the unit, and security rates it 3.0 or below', async (t) => {
  const unitFile = unitCopy(testDir(t), false)
  const verified = await run('systemd-analyze', ['verify', unitFile])
  t.equal(verified.stderr.trim(), '', 'no warning about the unit')
  const { score, report } = await exposure(unitFile)
  t.ok(score <= 3.0, `exposure ${score}:\n${report.split('\n').filter((line) => line.startsWith('✗')).join('\n')}`)
  // What the score rests on, so a later edit that keeps the number but drops these is caught.
  for (const setting of ['NotifyAccess=', 'CapabilityBoundingSet=~CAP_SYS_ADMIN', 'RestrictNamespaces=~user', 'UMask=']) {
    t.match(report, new RegExp(`✓ ${setting.replace(/[~*()|]/g, '\\$&')}`), setting)
  }
})

t.test('with the pigpio drop-in the unit still verifies and stays at 3.0 or below', async (t) => {
  const unitFile = unitCopy(testDir(t), true)
  const verified = await run('systemd-analyze', ['verify', unitFile])
  t.equal(verified.stderr.trim(), '')
  const { score, report } = await exposure(unitFile)
  t.match(report, /✗ User=\/DynamicUser=\s+Service runs as root user/, 'the drop-in was read')
  t.ok(score <= 3.0, `exposure ${score}`)
})
