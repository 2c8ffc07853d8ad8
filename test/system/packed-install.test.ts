import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { REPO_ROOT, STATION_BIN } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

const run = promisify(execFile)

/** The environment without what npm set for the test run (npm_command, npm_config_*, …). */
function plainEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')))
  return { ...env, ...extra }
}

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }

t.test('the packed station installs with production dependencies only, builds no TypeScript, and runs', async (t) => {
  t.ok(existsSync(STATION_BIN), 'dist/ is built (npm test builds it first)')
  const dir = testDir(t, { target: { 'package.json': '{ "private": true }\n' } })
  // --ignore-scripts: pack the dist/ this run built instead of building it again (npm pack runs prepare).
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, env: plainEnv() })
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
  const files = info!.files.map((file) => file.path)
  for (const needed of ['dist/runtime/main.js', 'flows/pay-bill.yaml', 'config/station.example.yaml', 'native/sd-notify/sd_notify.c', 'scripts/build-native.mjs', 'systemd/citizen-station.service']) {
    t.ok(files.includes(needed), `ships ${needed}`)
  }
  t.notOk(files.some((file) => file.startsWith('test/') || file.startsWith('runtime/') || file.startsWith('dist/scripts/')), 'no tests, sources or benchmarks')

  const target = join(dir, 'target')
  // Optional dependencies are the native hardware modules (i2c-bus, onoff, pigpio): a Pi gets them,
  // this check of the package itself leaves them out to stay quick.
  await run('npm', ['install', '--omit=dev', '--omit=optional', '--no-audit', '--no-fund', '--prefer-offline', join(dir, info!.filename)], {
    cwd: target,
    env: plainEnv(),
  })
  const installed = join(target, 'node_modules', 'citizen-station')
  t.notOk(existsSync(join(target, 'node_modules', 'typescript')), 'no TypeScript installed')
  t.notOk(existsSync(join(target, 'node_modules', 'tap')), 'no test runner installed')
  t.ok(existsSync(join(installed, 'native', 'sd-notify', 'build', 'Release', 'sd_notify.node')), 'the install script built the sd_notify addon')
  const version = await run(join(target, 'node_modules', '.bin', 'station'), ['--version'], { env: plainEnv() })
  t.equal(version.stdout.trim(), manifest.version)
  const check = await run(join(target, 'node_modules', '.bin', 'station'), ['config', 'check', '--config', join(installed, 'config', 'sim.yaml')], { env: plainEnv() })
  t.match(check.stdout, /is valid/, 'the installed station reads its shipped config and flows')
})

t.test('prepare builds only where TypeScript is, and packing without it fails', async (t) => {
  // The script alone in a folder outside the checkout, no TypeScript above it: as after `npm ci --omit=dev`.
  const dir = mkdtempSync(join(tmpdir(), 'cs-prepare-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'scripts'))
  copyFileSync(join(REPO_ROOT, 'scripts', 'prepare.mjs'), join(dir, 'scripts', 'prepare.mjs'))
  mkdirSync(join(dir, 'node_modules'))
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n')
  const skipped = await run(process.execPath, [join(dir, 'scripts', 'prepare.mjs')], { env: plainEnv({ npm_command: 'ci' }) })
  t.match(skipped.stderr, /no TypeScript \(production install\): dist\/ is not rebuilt/)
  await t.rejects(run(process.execPath, [join(dir, 'scripts', 'prepare.mjs')], { env: plainEnv({ npm_command: 'pack' }) }), {
    code: 1,
    stderr: /cannot pack: TypeScript is not installed/,
  })
})
