import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { REPO_ROOT, STATION_BIN } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

const run = promisify(execFile)

/** Everything a real install writes or changes, as it is now. */
const TOUCHED = [
  '/etc/passwd',
  '/etc/group',
  '/opt/citizen-station',
  '/etc/citizen-station',
  '/etc/systemd/system/citizen-station.service',
  '/etc/systemd/system/citizen-station.service.d',
  '/etc/udev/rules.d/99-citizen-station.rules',
  '/etc/systemd/journald.conf.d/citizen-station.conf',
  '/usr/local/bin/station',
]

function snapshot(): Record<string, string> {
  const state: Record<string, string> = {}
  for (const path of TOUCHED) {
    try {
      const stat = lstatSync(path)
      const content = stat.isFile() ? createHash('sha256').update(readFileSync(path)).digest('hex') : stat.isDirectory() ? readdirSync(path).join(',') : ''
      state[path] = `${stat.mode.toString(8)} ${stat.size} ${stat.mtimeMs} ${content}`
    } catch {
      state[path] = 'absent'
    }
  }
  return state
}

t.test('install.sh --dry-run prints every step of the install and changes nothing', async (t) => {
  t.ok(existsSync(STATION_BIN), 'dist/ is built (npm test builds it first)')
  // A short folder: the commands shown name the tarball's path.
  const dir = mkdtempSync(join(tmpdir(), 'cs-install-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO_ROOT })
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }]
  const before = snapshot()
  const { stdout } = await run(join(REPO_ROOT, 'scripts', 'install.sh'), ['--dry-run', '--pigpio', join(dir, filename)])
  t.strictSame(snapshot(), before, 'no file, user or group changed')

  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version
  t.match(stdout, /^==> dry run: nothing is changed$/m)
  t.match(stdout, new RegExp(`^==> citizen-station ${version.replace(/\./g, '\\.')} \\(citizen-station-`, 'm'), 'names the version in the tarball')
  const steps = stdout.split('\n').filter((line) => line.startsWith('==> '))
  t.match(steps.join('\n'), /Node\.js[\s\S]*build tools[\s\S]*I2C on[\s\S]*group citizen-station-tech[\s\S]*the package under \/opt\/citizen-station[\s\S]*config in \/etc\/citizen-station[\s\S]*systemd unit, udev rules, journal[\s\S]*enable the service[\s\S]*done/)
  // Each thing a real install does is either shown as a command (+) or found already so.
  const expectations: Array<[RegExp, RegExp]> = [
    [/\+ (raspi-config nonint do_i2c 0)/, /raspi-config skipped/],
    [/\+ groupadd --system citizen-station-tech/, /group citizen-station-tech exists/],
    [/\+ useradd --system .*\n?.*--gid citizen-station-tech[\s\S]*dialout,i2c,gpio citizen-station/, /user citizen-station exists/],
    [/\+ npm --prefix \/opt\/citizen-station install --omit=dev/, /citizen-station \S+ is installed/],
    [/\/etc\/systemd\/system\/citizen-station\.service$/m, /citizen-station\.service is up to date/],
    [/\/etc\/systemd\/system\/citizen-station\.service\.d\/pigpio\.conf$/m, /pigpio\.conf is up to date/],
    [/\/etc\/udev\/rules\.d\/99-citizen-station\.rules$/m, /99-citizen-station\.rules is up to date/],
    [/\+ systemctl enable citizen-station/, /citizen-station is enabled/],
  ]
  for (const [done, already] of expectations) t.ok(done.test(stdout) || already.test(stdout), `${done.source} or ${already.source}`)
  t.match(stdout, /\+ install -m 0640 -o root -g citizen-station-tech [\s\S]*station\.example\.yaml[\s\S]*\/etc\/citizen-station\/station\.yaml|station\.yaml is kept/)
  t.ok(stdout.split('\n').every((line) => line.length <= 80), 'fits 80 columns')
})

t.test('install.sh refuses a missing package and unknown options, with the usage', async (t) => {
  await t.rejects(run(join(REPO_ROOT, 'scripts', 'install.sh'), ['--dry-run', join(testDir(t), 'none.tgz')]), { code: 1, stderr: /no package at .*none\.tgz/ })
  await t.rejects(run(join(REPO_ROOT, 'scripts', 'install.sh'), ['--frobnicate', 'x.tgz']), { code: 2, stderr: /unknown option --frobnicate[\s\S]*--dry-run/ })
  await t.rejects(run(join(REPO_ROOT, 'scripts', 'install.sh'), ['--dry-run']), { code: 2, stderr: /usage|sudo scripts\/install\.sh/ })
})
