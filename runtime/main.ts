#!/usr/bin/env node
/**
 * Process entry for the `station` command: the only file that touches `process` (argv, env,
 * signals, exit codes). Everything else is handed what it needs.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
// Only what every command needs is imported here (and terminal-gone.ts, tiny, so its handlers go in
// with the signal handlers, before anything is awaited): each command loads its own modules on demand
// (`import()`), so a client command such as `station status` never loads the runtime, the drivers
// or the flow engine (docs/startup.md).
import type { KeyObject } from 'node:crypto'
import type { FlowCapabilities } from '../flows/engine/flow-validate.js'
import type { ClientIo } from './cli/client-commands.js'
import { findClientSocket } from './cli/client-socket.js'
import { bundledFlowsDir, packageRoot } from './cli/paths.js'
import { onTerminalGone } from './console/terminal-gone.js'
import { messageOf } from './core/errors.js'

const USAGE = `usage: station <command>

Station
  run [--config F] [--sim] [--data-dir D] [--broker URL] [--interactive]
      [--no-central]      run the station (--sim: every device simulated, with
                          a reference central answering unless --no-central)
  config check [--config F] [--json]
                          validate a config (with the environment) without
                          starting; exit 78 if bad
  central --broker URL --key FILE [--prefix P] [--auto-pay-ms N]
                          run only the reference central (fixture data)

Technician (on the station)
  status [--json]         ask the running station how it is
  tui [--config F]        the technician's live view and device tests (over SSH
                          too); without a terminal, prints the status once
  doctor [--config F] [--sim] [--data-dir D] [--broker URL] [--user NAME]
         [--json]         check an installation: Node, config, devices, groups,
                          broker, TLS, clock, disk, systemd; exit 1 if one fails
  maintenance <on|off>    take the station out of service for residents, or
                          put it back
  sim <action> ...        act as a resident on a simulated station
                          (station sim help)
  decode <kind> <input...> [--json]
                          decode what a device sent: cccd, mrz, vietqr,
                          wiegand, escpos-status, pn532, apdu (a chip
                          trace line: "> 00A4..." or "< 9000")

Flows
  flows check [paths]     check flow files (coded diagnostics, file and line)
  flows graph <id> [--format mermaid|dot]
                          draw a flow
  flows test              walk every path of every flow; step and transition
                          coverage
  flows reload            make a running station read its flows again (also
                          SIGHUP to a headless station)
  flows bundle DIR --version N --sign KEY --out F [--stations a,b]
                          check a flows folder and write a signed flow bundle

Operations (over MQTT; each takes --ca F --cert F --tls-key F for TLS)
  ops watch --broker URL [--prefix P] [--json [--settle-ms N]]
                          the fleet view: every station, trouble first
  ops send <station> <command> [json-args] --key KEY --broker URL
           [--urgent] [--timeout-ms N]
                          send a signed command and print each response
  ops config <station> FILE --key KEY --broker URL --version N
                          publish a signed desired config (partial, YAML or
                          JSON) and show the report
  ops publish-flows <station|all> BUNDLE --broker URL [--stations-file F]
                          publish a signed flow bundle to one or every station
  keys generate --out DIR [--name NAME]
                          write an Ed25519 key pair (NAME.key, NAME.pub)
  fleet-sim --stations N [--broker URL] [--rate-per-min R] [--duration-s D]
            [--restart-broker-every-s S] [--reconnect-spread-ms M]
            [--max-connects-per-s K] [--json]
                          N simulated stations and a reference central in one
                          process; reports what was accepted, received,
                          duplicated, lost (exit 1 if any was lost)

Client commands (status, tui, sim, maintenance, flows reload) find the
station's control socket from --socket P, --config F (its control.socketPath)
or --data-dir D; else a local .station, else /etc/citizen-station/station.yaml.`

const io: ClientIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
}

function version(): string {
  try {
    const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }
    return manifest.version ?? '0.0.0'
  } catch {
    return '0.0.0'
  }
}

/** Options every client command takes to find the station's control socket. */
const CLIENT_OPTIONS = {
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  socket: { type: 'string' },
  config: { type: 'string' },
} as const

/** EX_CONFIG (sysexits.h): the config that names the socket cannot be read. */
const EXIT_CONFIG = 78

/**
 * Finds the socket (runtime/cli/client-socket.ts), then runs the command against it; a config
 * that cannot be read is said once, as `station <command>: …`, exit 78.
 */
async function withClientSocket(
  command: string,
  values: { 'data-dir'?: string | undefined; socket?: string | undefined; config?: string | undefined },
  run: (socket: string) => Promise<number>,
): Promise<number> {
  const found = await findClientSocket({ socket: values.socket, config: values.config, dataDir: values['data-dir'], cwd: process.cwd(), env: process.env })
  if (!found.ok) {
    io.err(`station ${command}: ${found.problem}`)
    return EXIT_CONFIG
  }
  return run(found.path)
}

async function main(argv: string[]): Promise<number | 'running'> {
  const [command, ...rest] = argv
  switch (command) {
    case 'run':
      return run(rest)
    case 'status': {
      const { values } = parseArgs({ args: rest, options: CLIENT_OPTIONS })
      const { statusCommand } = await import('./cli/client-commands.js')
      return withClientSocket('status', values, (socket) => statusCommand(socket, values.json === true, io))
    }
    case 'tui':
      return tui(rest)
    case 'sim': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          ...CLIENT_OPTIONS,
          // `sim card chip` faults (docs/emrtd.md, "Simulated chip").
          tamper: { type: 'string' },
          'unknown-csca': { type: 'boolean' },
          'wrong-can': { type: 'boolean' },
          'pull-after': { type: 'string' },
        },
      })
      const { simCommand } = await import('./cli/client-commands.js')
      const chip = {
        ...(values.tamper === undefined ? {} : { tamper: values.tamper }),
        ...(values['unknown-csca'] === true ? { unknownCsca: true } : {}),
        ...(values['wrong-can'] === true ? { wrongCan: true } : {}),
        ...(values['pull-after'] === undefined ? {} : { pullAfter: values['pull-after'] }),
      }
      return withClientSocket('sim', values, (socket) => simCommand(socket, positionals, values.json === true, io, chip))
    }
    case 'maintenance': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: CLIENT_OPTIONS })
      const { maintenanceCommand } = await import('./cli/client-commands.js')
      return withClientSocket('maintenance', values, (socket) => maintenanceCommand(socket, positionals, values.json === true, io))
    }
    case 'doctor':
      return doctor(rest)
    case 'central':
      return central(rest)
    case 'keys': {
      const { keysCommand } = await import('./cli/keys-command.js')
      return keysCommand(rest, io)
    }
    case 'fleet-sim':
      return fleetSim(rest)
    case 'flows':
      return flows(rest)
    case 'ops':
      return ops(rest)
    case 'config': {
      const [action, ...options] = rest
      const { values } = parseArgs({ args: options, options: { config: { type: 'string' }, json: { type: 'boolean' } } })
      if (action !== 'check') {
        io.err('usage: station config check [--config F] [--json]')
        return 2
      }
      const { configCheck } = await import('./cli/config-command.js')
      return configCheck({ configFile: values.config, json: values.json === true }, { env: process.env, cwd: process.cwd() }, io)
    }
    case 'decode': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { json: { type: 'boolean' } },
      })
      const [kind, ...inputs] = positionals
      if (!kind) {
        io.err('usage: station decode <cccd|mrz|vietqr|wiegand|escpos-status|pn532|apdu> <input...> [--json]')
        return 2
      }
      const { decodeInput, formatDecoded } = await import('./cli/decode-command.js')
      const result = decodeInput(kind, inputs, new Date())
      if (result.ok) io.out(values.json ? JSON.stringify(result.value) : formatDecoded(result.value))
      else if (values.json) io.out(JSON.stringify({ error: result.error }))
      else io.err(`invalid ${kind}: ${result.error}`)
      return result.ok ? 0 : 1
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE)
      return command === undefined ? 2 : 0
    case '--version':
      io.out(version())
      return 0
    default:
      io.err(`unknown command '${command}'\n\n${USAGE}`)
      return 2
  }
}

/** What a station offers flows: every effect, the identity documents its readers decode, and the
 * request methods central answers (the reference central's list is the interface). */
async function stationCapabilities(): Promise<FlowCapabilities> {
  const [{ CENTRAL_METHODS }, { IDENTITY_SOURCES }] = await Promise.all([import('./central/central-ledger.js'), import('../flows/engine/identity.js')])
  return { requestMethods: [...CENTRAL_METHODS], effects: ['request', 'waitFor', 'print'], identitySources: [...IDENTITY_SOURCES] }
}

async function flows(args: string[]): Promise<number> {
  const [action, ...rest] = args
  if (action === 'bundle') {
    const { BUNDLE_USAGE, flowsBundle } = await import('./cli/bundle-command.js')
    const { values: bundle, positionals: folders } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { version: { type: 'string' }, sign: { type: 'string' }, out: { type: 'string' }, stations: { type: 'string' } },
    })
    if (folders.length !== 1) {
      io.err(BUNDLE_USAGE)
      return 2
    }
    return flowsBundle(folders[0], { ...bundle, capabilities: await stationCapabilities() }, io)
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { format: { type: 'string' }, dir: { type: 'string' }, ...CLIENT_OPTIONS },
  })
  const dir = values.dir ?? bundledFlowsDir()
  if (action === 'check') {
    const { flowsCheck } = await import('./cli/flows-command.js')
    return flowsCheck(positionals.length > 0 ? positionals : [dir], io, { capabilities: await stationCapabilities() })
  }
  if (action === 'test' && positionals.length === 0) {
    const { flowsTest } = await import('./cli/flows-command.js')
    return flowsTest(dir, io)
  }
  if (action === 'reload') {
    const { values: client } = parseArgs({ args: rest, options: CLIENT_OPTIONS })
    return withClientSocket('flows reload', client, async (socket) => {
      try {
        const { controlRequest } = await import('./control/control-client.js')
        const result = (await controlRequest(socket, 'flows.reload')) as { flows: Array<{ id: string; version: number }>; errors: number }
        io.out(`${result.flows.map((flow) => `${flow.id}@${flow.version}`).join(', ')}${result.errors ? ` (${result.errors} errors: see the log)` : ''}`)
        return result.errors > 0 ? 1 : 0
      } catch (error) {
        io.err(`station flows reload: ${messageOf(error)}`)
        return 1
      }
    })
  }
  if (action === 'graph' && positionals.length === 1 && positionals[0]) {
    const { flowsGraph } = await import('./cli/flows-command.js')
    return flowsGraph(positionals[0], dir, values.format ?? 'mermaid', io)
  }
  const { BUNDLE_USAGE } = await import('./cli/bundle-command.js')
  io.err(
    'usage: station flows check [file|folder...]\n       station flows graph <flow-id> [--format mermaid|dot] [--dir D]\n       station flows test [--dir D]\n       station flows reload [--data-dir D]\n       ' + BUNDLE_USAGE.replace('usage: ', ''),
  )
  return 2
}

/** `station tui` (docs/operations.md "Technician"): the socket found as for every client command. */
async function tui(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: CLIENT_OPTIONS })
  return withClientSocket('tui', values, async (socket) => {
    const { tuiCommand } = await import('./tui/tui-command.js')
    return tuiCommand(socket, { ...io, stdin: process.stdin, stdout: process.stdout })
  })
}

/** `station ops config` and `station ops publish-flows` (docs/remote-config.md). */
async function ops(args: string[]): Promise<number> {
  const [action, ...rest] = args
  if (action === 'send') {
    const { opsSend } = await import('./cli/ops-send.js')
    return opsSend(rest, io)
  }
  if (action === 'watch') return opsWatch(rest)
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      broker: { type: 'string' },
      key: { type: 'string' },
      version: { type: 'string' },
      prefix: { type: 'string' },
      'stations-file': { type: 'string' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      'tls-key': { type: 'string' },
    },
  })
  const broker = values.broker === undefined ? undefined : { broker: values.broker, caFile: values.ca, certFile: values.cert, keyFile: values['tls-key'] }
  const prefix = values.prefix ?? 'cs/v1'
  const { OPS_CONFIG_USAGE, OPS_PUBLISH_FLOWS_USAGE, opsConfig, opsPublishFlows } = await import('./cli/ops-publish.js')
  if (action === 'config') {
    const [station, file] = positionals
    return opsConfig({ station, file, key: values.key, version: values.version, prefix }, broker, io)
  }
  if (action === 'publish-flows') {
    const [target, bundle] = positionals
    return opsPublishFlows({ target, bundle, stationsFile: values['stations-file'], prefix }, broker, io)
  }
  const { OPS_WATCH_USAGE } = await import('./cli/ops-watch-command.js')
  io.err(`usage: station ops <send|config|publish-flows|watch> ...\n${OPS_CONFIG_USAGE}\n${OPS_PUBLISH_FLOWS_USAGE}\n${OPS_WATCH_USAGE}`)
  return 2
}

/** `station ops watch` (docs/fleet.md). */
async function opsWatch(args: string[]): Promise<number> {
  // Loaded on demand: the fleet view pulls in react and ink, which other commands do not need.
  const { opsWatchCommand } = await import('./cli/ops-watch-command.js')
  const { values } = parseArgs({
    args,
    options: {
      broker: { type: 'string' },
      prefix: { type: 'string' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      'tls-key': { type: 'string' },
      json: { type: 'boolean' },
      'settle-ms': { type: 'string' },
    },
  })
  return opsWatchCommand(
    { ...values, tlsKey: values['tls-key'], settleMs: values['settle-ms'] },
    { ...io, stdin: process.stdin, stdout: process.stdout },
  )
}

async function fleetSim(args: string[]): Promise<number> {
  const text = { type: 'string' } as const
  const { values } = parseArgs({
    args,
    options: {
      stations: text,
      broker: text,
      prefix: text,
      'rate-per-min': text,
      'duration-s': text,
      'restart-broker-every-s': text,
      'drain-timeout-s': text,
      'telemetry-interval-s': text,
      'connect-spread-s': text,
      json: { type: 'boolean' },
    },
  })
  const [{ fleetSimCommand }, { createLogger }] = await Promise.all([import('./ops/fleet-sim-command.js'), import('./log.js')])
  return fleetSimCommand(values, {
    ...io,
    ...(process.env['STATION_MOSQUITTO'] === undefined ? {} : { mosquittoOverride: process.env['STATION_MOSQUITTO'] }),
    ...(process.env['PATH'] === undefined ? {} : { searchPath: process.env['PATH'] }),
    resources: () => {
      const cpu = process.cpuUsage()
      return { rssBytes: process.memoryUsage.rss(), cpuMs: (cpu.user + cpu.system) / 1000 }
    },
    log: createLogger({ level: process.env['STATION_LOG_LEVEL'] === undefined ? 'error' : process.env['STATION_LOG_LEVEL'], pid: process.pid }),
  })
}

/** `station doctor` (docs/deployment.md, "Checking an installation"). */
async function doctor(args: string[]): Promise<number> {
  const text = { type: 'string' } as const
  const { values } = parseArgs({
    args,
    options: { config: text, 'data-dir': text, broker: text, user: text, sim: { type: 'boolean' }, json: { type: 'boolean' } },
  })
  const [{ doctorCommand }, { systemDoctorIo }] = await Promise.all([import('./cli/doctor-command.js'), import('./doctor/system-doctor-io.js')])
  return doctorCommand(
    {
      configFile: values.config,
      dataDir: values['data-dir'],
      broker: values.broker,
      user: values.user,
      simulated: values.sim === true ? true : undefined,
      json: values.json === true,
    },
    { env: process.env, cwd: process.cwd(), nodeVersion: process.version, io: systemDoctorIo() },
    io,
  )
}

async function central(args: string[]): Promise<number | 'running'> {
  const { values } = parseArgs({
    args,
    options: { broker: { type: 'string' }, key: { type: 'string' }, prefix: { type: 'string' }, 'auto-pay-ms': { type: 'string' } },
  })
  if (!values.broker || !values.key) {
    // --key: central's Ed25519 private key (station keys generate); stations trust its .pub in central.trustedKeys.
    io.err('usage: station central --broker URL --key FILE [--prefix cs/v1] [--auto-pay-ms N]')
    return 2
  }
  const autoPay = values['auto-pay-ms'] === undefined ? undefined : Number(values['auto-pay-ms'])
  if (autoPay !== undefined && !(Number.isInteger(autoPay) && autoPay >= 0)) {
    io.err(`--auto-pay-ms must be a whole number of milliseconds (got ${values['auto-pay-ms']})`)
    return 2
  }
  const [{ loadSigningKey }, { createLogger }, { runReferenceCentral }] = await Promise.all([
    import('./ops/trusted-keys.js'),
    import('./log.js'),
    import('./central/run-central.js'),
  ])
  let signingKey: KeyObject
  try {
    signingKey = await loadSigningKey(values.key)
  } catch (error) {
    io.err(`station central: ${messageOf(error)}`)
    return 78
  }
  const log = createLogger({ level: 'info', pid: process.pid })
  const centralService = await runReferenceCentral({
    url: values.broker,
    signingKey,
    prefix: values.prefix ?? 'cs/v1',
    ...(autoPay === undefined ? {} : { autoPayAfterMs: autoPay }),
    log: log.child({ component: 'central.reference' }),
  })
  const stop = () => {
    void centralService.stop().finally(() => process.exit(0))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  return 'running'
}

async function run(args: string[]): Promise<number | 'running'> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      sim: { type: 'boolean' },
      'data-dir': { type: 'string' },
      broker: { type: 'string' },
      interactive: { type: 'boolean' },
      'no-central': { type: 'boolean' },
    },
  })
  const interactive = values.interactive === true && process.stdin.isTTY === true && process.stdout.isTTY === true
  const { runStation } = await import('./cli/run-command.js')
  const outcome = await runStation(
    {
      configFile: values.config,
      simulated: values.sim === true ? true : undefined,
      dataDir: values['data-dir'],
      broker: values.broker,
      logToFile: interactive,
      central: values['no-central'] !== true,
    },
    { env: process.env, cwd: process.cwd(), err: io.err, version: version(), pid: process.pid, rssBytes: () => process.memoryUsage.rss() },
  )
  if (!outcome.ok) return outcome.exitCode

  // The signal handlers go in before anything else is awaited: a SIGTERM in that gap would kill
  // the station with Node's default action instead of stopping it.
  const notifierLoaded = Promise.all([import('./sd-notify.js'), import('./systemd-status.js')]).then(
    ([{ createNotifier }, { systemdStatusLine }]) =>
      createNotifier(process.env, {
        pid: process.pid,
        warn: (message) => outcome.log.warn(message),
        statusLine: () => systemdStatusLine(outcome.station.status()),
      }),
  )
  let stopping = false
  // A stop waits for the resident being served (session.stopGraceS, docs/deployment.md); a second
  // signal, or a stop with nobody left to serve (the terminal gone), does not wait.
  const cutShort = new AbortController()
  const stop = async (signal: string) => {
    if (signal !== 'SIGTERM' && signal !== 'SIGINT') cutShort.abort()
    if (stopping) {
      cutShort.abort()
      return
    }
    stopping = true
    const notifier = await notifierLoaded
    const serving = ['menu', 'session', 'ended'].includes(outcome.station.status().phase)
    notifier.stopping(serving && !cutShort.signal.aborted ? `stopping (${signal}): waiting for the resident to finish` : `stopping (${signal})`)
    outcome.log.info({ signal }, 'stopping')
    await outcome.station.finishResidents(cutShort.signal)
    if (serving) notifier.status(`stopping (${signal})`)
    // systemd's TimeoutStopSec is longer than the grace and this; a stop that hangs must not keep a dead station alive.
    const deadline = setTimeout(() => process.exit(1), 15_000)
    deadline.unref()
    try {
      await outcome.stop()
      notifier.close()
      process.exit(0)
    } catch (error) {
      outcome.log.error({ err: error }, 'stop failed')
      process.exit(1)
    }
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
  if (interactive) {
    // The virtual station's terminal closing (SIGHUP, stdin EOF or EIO) stops it: nobody is left
    // to use it, and a headless leftover would keep the data-dir lock from the next start.
    onTerminalGone({ stdin: process.stdin, stdout: process.stdout, signals: process }, (why) => void stop(why))
  } else {
    // SIGHUP reloads the flows: new sessions get them, a resident mid-procedure finishes on the old one.
    process.on('SIGHUP', () => {
      outcome.station.reloadFlows().catch((error: unknown) => outcome.log.error({ err: error }, 'flow reload failed'))
    })
  }
  {
    const notifier = await notifierLoaded
    const { systemdStatusLine } = await import('./systemd-status.js')
    notifier.ready(systemdStatusLine(outcome.station.status()))
  }

  if (interactive) {
    const { startVirtualStation } = await import('./console/virtual-station.js')
    startVirtualStation({
      station: outcome.station,
      stdin: process.stdin,
      stdout: process.stdout,
      onQuit: () => void stop('quit'),
    })
  } else if (values.interactive === true) {
    io.err('--interactive needs a terminal; running headless (use `station sim …` from another shell)')
  }
  return 'running'
}

// A client command piped into `head` or a pager that quits early: the reader has what it wanted, so
// the write that finds the pipe closed ends the command quietly instead of with a stack trace.
// The station itself (`run`) keeps its own handling of a terminal or pipe that goes away.
if (process.argv[2] !== 'run') {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
    process.exit(process.exitCode ?? 0)
  })
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 'running') process.exitCode = code
  },
  (error: unknown) => {
    io.err(`station: ${messageOf(error)}`)
    process.exitCode = 1
  },
)
