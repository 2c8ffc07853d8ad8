import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { STATION_BIN, startStationProcess } from '../support/station-process.js'
import { testDir } from '../support/test-dir.js'

// Client commands must start fast (docs/startup.md): they import the control client and their own
// formatting, never the runtime, the drivers, the flow engine, the outbox, pino or MQTT.js. A module
// hook registered with --import records every module URL the command loads, so a stray static
// import anywhere in the client's graph fails here rather than only showing in `npm run bench`.
const FORBIDDEN = [
  /\/runtime\/station\.js$/,
  /\/runtime\/(kiosk|outbox|mqtt|supervisor|central)\//,
  /\/drivers\//,
  /\/flows\/engine\//,
  /\/node_modules\/(pino|mqtt|serialport|@serialport|lowdb|ink|react)\//,
]

function writeHook(dir: string): string {
  const hooks = join(dir, 'record-hooks.mjs')
  writeFileSync(hooks, [
    "import { appendFileSync } from 'node:fs'",
    'let out',
    'export function initialize(data) { out = data.out }',
    "export async function load(url, context, next) { appendFileSync(out, url + '\\n'); return next(url, context) }",
  ].join('\n'))
  const register = join(dir, 'record-register.mjs')
  writeFileSync(register, [
    "import { register } from 'node:module'",
    `register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { out: process.env.IMPORT_LOG } })`,
  ].join('\n'))
  return register
}

function runRecorded(register: string, log: string, args: readonly string[]): Promise<{ code: number | null; urls: string[]; stderr: string }> {
  writeFileSync(log, '')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', pathToFileURL(register).href, STATION_BIN, ...args], {
      env: { ...process.env, IMPORT_LOG: log },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stderr, urls: readFileSync(log, 'utf8').split('\n').filter(Boolean) }))
  })
}

t.test('client commands load only the client, against a running station and with none', async (t) => {
  const dir = testDir(t, {})
  const register = writeHook(dir)
  const log = join(dir, 'imports.log')
  const dataDir = join(dir, 'data')
  const emptyDir = join(dir, 'no-station')

  const none = await runRecorded(register, log, ['status', '--data-dir', emptyDir])
  t.equal(none.code, 1, 'no station: exit 1')
  t.ok(none.urls.some((url) => url.endsWith('/runtime/main.js')), 'the hook saw the entry module')
  t.same(none.urls.filter((url) => FORBIDDEN.some((re) => re.test(url))), [], 'status with no station')

  const proc = await startStationProcess(t, dataDir, ['--sim', '--broker', 'mqtt://127.0.0.1:1'])
  // `tui` with stdout not a terminal prints once, without react or ink.
  const commands = [['status'], ['status', '--json'], ['sim', 'screen'], ['sim', 'receipt'], ['tui']]
  for (const command of commands) {
    const run = await runRecorded(register, log, [...command, '--data-dir', dataDir])
    t.equal(run.code, 0, `${command.join(' ')} exits 0 ${run.stderr}`)
    t.ok(run.urls.some((url) => url.includes('/runtime/control/')), `${command.join(' ')} loaded the control client`)
    t.same(run.urls.filter((url) => FORBIDDEN.some((re) => re.test(url))), [], `${command.join(' ')} loads nothing heavy`)
  }
  t.equal(await proc.stop(), 0)
})

t.test('a station whose config sets control.socketPath is found through --config, still without heavy modules', async (t) => {
  const dir = testDir(t, {})
  const register = writeHook(dir)
  const log = join(dir, 'imports.log')
  // Short, like /run/citizen-station: a tap test dir is too deep for a socket path.
  const runDir = mkdtempSync(join(tmpdir(), 'cs-run-'))
  t.teardown(() => rmSync(runDir, { recursive: true, force: true }))
  const socketPath = join(runDir, 'control.sock')
  const config = join(dir, 'station.yaml')
  writeFileSync(config, `dataDir: ./data\ncontrol:\n  socketPath: ${socketPath}\n`)
  const proc = await startStationProcess(t, join(dir, 'data'), ['--sim', '--config', config, '--broker', 'mqtt://127.0.0.1:1'], {}, { socketPath })

  const found = await runRecorded(register, log, ['status', '--config', config])
  t.equal(found.code, 0, `status --config exits 0 ${found.stderr}`)
  t.ok(found.urls.some((url) => url.includes('/node_modules/yaml/')), 'it read the config with yaml')
  t.same(found.urls.filter((url) => FORBIDDEN.some((re) => re.test(url))), [], 'and loaded nothing heavy')
  t.same(found.urls.filter((url) => /\/config\/(validate|load)\.js$/.test(url)), [], 'not even the validator')

  // The data dir alone does not lead there: the message says where it looked, with no stack trace.
  const lost = await runRecorded(register, log, ['status', '--data-dir', join(dir, 'data')])
  t.equal(lost.code, 1)
  t.match(lost.stderr, /^station status: no station is running \(no socket at .*\.sock\)\n$/)
  const bad = await runRecorded(register, log, ['status', '--config', join(dir, 'missing.yaml')])
  t.equal(bad.code, 78, 'an unreadable config: EX_CONFIG')
  t.match(bad.stderr, /^station status: cannot find the station's socket in its config: .*missing\.yaml: file not found \(or pass --socket\)\n$/)
  t.equal(await proc.stop(), 0)
  const stale = await runRecorded(register, log, ['status', '--socket', socketPath])
  t.equal(stale.code, 1, 'after the stop: exit 1')
  t.notMatch(stale.stderr, /\n\s+at /, 'no stack trace')
})
