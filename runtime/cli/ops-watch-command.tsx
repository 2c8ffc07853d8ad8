/**
 * `station ops watch --broker URL [--prefix cs/v1] [--ca F --cert F --tls-key F] [--json]
 * [--settle-ms N]`: the live fleet view, or one JSON snapshot of it (docs/fleet.md).
 */
import { systemClock, type Clock } from '../core/clock.js'
import { messageOf } from '../core/errors.js'
import { FleetModel } from '../ops/fleet-model.js'
import { brokerLabel, subscribeFleet, type FleetSubscriberOptions } from '../ops/fleet-subscriber.js'
import type { ClientIo } from './client-commands.js'

export interface OpsWatchArgs {
  broker?: string | undefined
  prefix?: string | undefined
  ca?: string | undefined
  cert?: string | undefined
  tlsKey?: string | undefined
  json?: boolean | undefined
  /** --json: how long to collect retained and fresh messages after subscribing; default 1500. */
  settleMs?: string | undefined
}

export interface OpsWatchIo extends ClientIo {
  stdin: NodeJS.ReadStream
  stdout: NodeJS.WriteStream
}

export const OPS_WATCH_USAGE =
  'usage: station ops watch --broker URL [--prefix cs/v1] [--ca F --cert F --tls-key F] [--json [--settle-ms N]]'

const DEFAULT_SETTLE_MS = 1500
const CONNECT_TIMEOUT_MS = 10_000

/** Exit codes: 0 done, 1 broker unreachable or a file unreadable, 2 usage. */
export async function opsWatchCommand(args: OpsWatchArgs, io: OpsWatchIo, clock: Clock = systemClock): Promise<number> {
  if (!args.broker) {
    io.err(OPS_WATCH_USAGE)
    return 2
  }
  const settleMs = args.settleMs === undefined ? DEFAULT_SETTLE_MS : Number(args.settleMs)
  if (!Number.isInteger(settleMs) || settleMs < 0) {
    io.err(`--settle-ms must be a whole number of milliseconds (got ${args.settleMs})`)
    return 2
  }
  const prefix = args.prefix ?? 'cs/v1'
  let tls: FleetSubscriberOptions['tls']
  try {
    tls = await readTls(args)
  } catch (error) {
    io.err(`station ops watch: ${messageOf(error)}`)
    return 1
  }
  const model = new FleetModel(prefix)
  let subscription
  try {
    subscription = await subscribeFleet(
      {
        url: args.broker,
        prefix,
        ...(tls === undefined ? {} : { tls }),
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        reconnect: args.json !== true,
      },
      (message) => model.apply(message),
    )
  } catch (error) {
    io.err(`station ops watch: ${messageOf(error)}`)
    return 1
  }
  if (args.json === true) {
    await clock.sleep(settleMs)
    await subscription.close()
    io.out(JSON.stringify(model.snapshot(clock.now()), null, 2))
    return 0
  }
  const { render } = await import('ink')
  const { OpsWatch } = await import('./ops-watch.js')
  const live = subscription
  const instance = render(
    <OpsWatch
      view={() => ({ rows: model.rows(clock.now()), connected: live.connected })}
      broker={brokerLabel(args.broker)}
      onQuit={() => undefined}
    />,
    { stdin: io.stdin, stdout: io.stdout, exitOnCtrlC: false },
  )
  await instance.waitUntilExit()
  await live.close()
  return 0
}

/** Reads the PEM files named by --ca, --cert and --tls-key; rejects naming the file that failed. */
/** The TLS files, checked for pairing; ops-broker-client.ts reads them and names an unreadable one. */
async function readTls(args: OpsWatchArgs): Promise<FleetSubscriberOptions['tls']> {
  if (args.ca === undefined && args.cert === undefined && args.tlsKey === undefined) return undefined
  if ((args.cert === undefined) !== (args.tlsKey === undefined)) {
    throw new Error('--cert and --tls-key go together (the client certificate and its key)')
  }
  return {
    ...(args.ca === undefined ? {} : { caFile: args.ca }),
    ...(args.cert === undefined ? {} : { certFile: args.cert }),
    ...(args.tlsKey === undefined ? {} : { keyFile: args.tlsKey }),
  }
}
