import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { STATION_BIN, startStationProcess } from '../support/station-process.js'

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
  const dir = t.testdir({})
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
