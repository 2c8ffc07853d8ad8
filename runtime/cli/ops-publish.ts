/**
 * Operations' publishing tools (docs/remote-config.md):
 *   `station ops config <station> FILE --key KEY --broker URL --version N`
 *   `station ops publish-flows <station|all> BUNDLE --broker URL [--stations-file F]`
 * Both publish retained signed messages and then wait a few seconds for the stations' retained
 * `config/reported` to say what became of them. Only reports published after ours count (a live
 * report arrives with retain 0; the one already stored arrives with retain 1 and is old news).
 */
import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { isPlainObject } from '../../config/checks.js'
import { messageOf } from '../core/errors.js'
import { parseStationTopic, stationTopics } from '../mqtt/topics.js'
import type { ConfigReport } from '../ops/config-reported.js'
import { encodeSignedEnvelope } from '../ops/signed-envelope.js'
import { loadSigningKey } from '../ops/trusted-keys.js'
import { connectOpsBroker, type MqttClient, type OpsBrokerOptions } from '../ops/ops-broker-client.js'

export interface OpsIo {
  out: (text: string) => void
  err: (text: string) => void
}

/** Exit code when the message was published but no station answered in time (sysexits EX_TEMPFAIL). */
export const EXIT_NO_REPORT = 75

export interface OpsConfigOptions {
  station: string | undefined
  file: string | undefined
  key: string | undefined
  version: string | undefined
  prefix?: string
  /** How long to wait for config/reported; default 5 s. */
  waitMs?: number
  now?: () => Date
}

export const OPS_CONFIG_USAGE = 'usage: station ops config <station> FILE --key KEY --broker URL --version N [--ca F --cert F --tls-key F]'
export const OPS_PUBLISH_FLOWS_USAGE =
  'usage: station ops publish-flows <station|all> BUNDLE --broker URL [--stations-file F] [--ca F --cert F --tls-key F]'

/** Reports on `filter` published live (not the stored retained copy), by station id. */
function liveReports(client: MqttClient, prefix: string, onReport: (station: string, report: ConfigReport) => void): void {
  client.on('message', (topic, payload, packet) => {
    if (packet.retain) return
    try {
      const parsed = parseStationTopic(prefix, topic)
      if (parsed.kind !== 'config/reported') return
      onReport(parsed.stationId, JSON.parse(payload.toString('utf8')) as ConfigReport)
    } catch {
      // not a report: ignore
    }
  })
}

/**
 * Publishes FILE (YAML or JSON: a partial config) as station's signed, retained desired config and
 * prints the station's report. Exit 0 when accepted, 1 when refused or on bad input, 75 with no report.
 */
export async function opsConfig(options: OpsConfigOptions, broker: OpsBrokerOptions | undefined, io: OpsIo): Promise<number> {
  const version = Number(options.version)
  const { station, file, key } = options
  if (!station || !file || !key || !broker?.broker || !Number.isSafeInteger(version) || version <= 0) {
    io.err(OPS_CONFIG_USAGE)
    return 2
  }
  const prefix = options.prefix ?? 'cs/v1'
  let topics: ReturnType<typeof stationTopics>
  let config: unknown
  let payload: Buffer
  try {
    topics = stationTopics(prefix, station)
    config = parseYaml(await readFile(file, 'utf8'))
    if (!isPlainObject(config)) throw new Error(`${file}: must be a mapping of config options`)
    const body = { station, version, config, issuedAt: (options.now?.() ?? new Date()).toISOString() }
    payload = encodeSignedEnvelope('config', body, await loadSigningKey(key))
  } catch (error) {
    io.err(messageOf(error))
    return 1
  }
  const client = await connectOrSay(broker, io)
  if (!client) return 1
  try {
    const answer = new Promise<ConfigReport | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), options.waitMs ?? 5000)
      liveReports(client, prefix, (from, report) => {
        if (from !== station) return
        // Ours once it names our version (accepted, waiting or refused).
        if (report.version === version || report.refused?.version === version) {
          clearTimeout(timer)
          resolve(report)
        }
      })
    })
    await client.subscribeAsync(topics.configReported, { qos: 1 })
    await client.publishAsync(topics.configDesired, payload, { qos: 1, retain: true })
    io.out(`published desired config version ${version} for ${station} (retained on ${topics.configDesired})`)
    const report = await answer
    if (report === null) {
      io.err(`no report from ${station} within ${(options.waitMs ?? 5000) / 1000} s; it applies the retained config when it connects`)
      return EXIT_NO_REPORT
    }
    io.out(JSON.stringify(report, null, 2))
    if (report.refused?.version === version) {
      io.err(`refused (${report.refused.reason}):\n  ${report.refused.problems.join('\n  ')}`)
      return 1
    }
    return 0
  } catch (error) {
    io.err(messageOf(error))
    return 1
  } finally {
    await client.endAsync().catch(() => undefined)
  }
}

export interface OpsPublishFlowsOptions {
  target: string | undefined
  bundle: string | undefined
  stationsFile?: string | undefined
  prefix?: string
  /** How long `all` listens for retained statuses; default 2 s. */
  discoverMs?: number
  /** How long to wait for the stations' reports; default 5 s. */
  waitMs?: number
}

/** Station ids of a stations file: one a line, `#` comments and blank lines ignored. */
export function parseStationsFile(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '')
}

/** The version and stations of a signed bundle file, read without verifying (the stations verify). */
function readBundleHeader(text: string): { version: number; stations?: string[] } {
  const envelope = JSON.parse(text) as Record<string, unknown>
  if (envelope.purpose !== 'flow-bundle' || typeof envelope.body !== 'string') throw new Error('not a signed flow bundle (station flows bundle makes one)')
  const body = JSON.parse(Buffer.from(envelope.body, 'base64').toString('utf8')) as Record<string, unknown>
  if (!Number.isSafeInteger(body.version)) throw new Error('the bundle has no version')
  return { version: body.version as number, ...(Array.isArray(body.stations) ? { stations: body.stations as string[] } : {}) }
}

/** Every station whose retained status arrives on `<prefix>/+/status` within `windowMs`. */
async function discoverStations(client: MqttClient, prefix: string, windowMs: number): Promise<string[]> {
  const found = new Set<string>()
  const onMessage = (topic: string) => {
    try {
      const parsed = parseStationTopic(prefix, topic)
      if (parsed.kind === 'status') found.add(parsed.stationId)
    } catch {
      // not a station topic
    }
  }
  client.on('message', onMessage)
  await client.subscribeAsync(`${prefix}/+/status`, { qos: 1 })
  await new Promise((resolve) => setTimeout(resolve, windowMs))
  await client.unsubscribeAsync(`${prefix}/+/status`)
  client.off('message', onMessage)
  return [...found].sort()
}

/**
 * Publishes a signed bundle retained to one station, or with `all` to every station in the stations
 * file or seen by its retained status, and prints each station's outcome. Exit 0 when every station
 * reported the bundle in use, 1 when one refused it (or bad input), 75 when one did not answer.
 */
export async function opsPublishFlows(options: OpsPublishFlowsOptions, broker: OpsBrokerOptions | undefined, io: OpsIo): Promise<number> {
  const { target, bundle } = options
  if (!target || !bundle || !broker?.broker) {
    io.err(OPS_PUBLISH_FLOWS_USAGE)
    return 2
  }
  const prefix = options.prefix ?? 'cs/v1'
  let payload: Buffer
  let header: { version: number; stations?: string[] }
  let listed: string[] | undefined
  try {
    payload = await readFile(bundle)
    header = readBundleHeader(payload.toString('utf8'))
    if (options.stationsFile !== undefined) listed = parseStationsFile(await readFile(options.stationsFile, 'utf8'))
    if (target !== 'all') stationTopics(prefix, target)
  } catch (error) {
    io.err(`${bundle}: ${messageOf(error)}`)
    return 1
  }
  const client = await connectOrSay(broker, io)
  if (!client) return 1
  try {
    let stations = target === 'all' ? (listed ?? (await discoverStations(client, prefix, options.discoverMs ?? 2000))) : [target]
    if (header.stations !== undefined) {
      const allowed = header.stations
      const skipped = stations.filter((id) => !allowed.includes(id))
      if (skipped.length > 0) io.out(`skipped (not in the bundle's stations list): ${skipped.join(', ')}`)
      stations = stations.filter((id) => allowed.includes(id))
    }
    if (stations.length === 0) {
      io.err(target === 'all' ? 'no stations found (none has a retained status; use --stations-file)' : 'no station to publish to')
      return 1
    }
    const outcomes = new Map<string, string>()
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.waitMs ?? 5000)
      liveReports(client, prefix, (from, report) => {
        if (!stations.includes(from) || outcomes.has(from)) return
        if (report.flows.version === header.version && report.flows.source === 'bundle' && report.flows.refused?.version !== header.version) {
          outcomes.set(from, 'in use')
        } else if (report.flows.refused?.version === header.version) {
          const refused = report.flows.refused
          const first = refused.diagnostics.find((diagnostic) => diagnostic.severity === 'error')
          outcomes.set(from, `refused (${refused.reason}): ${refused.message}${first ? `; ${first.file}:${first.line} ${first.code} ${first.message}` : ''}`)
        }
        if (outcomes.size === stations.length) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    await client.subscribeAsync(`${prefix}/+/config/reported`, { qos: 1 })
    for (const station of stations) {
      await client.publishAsync(stationTopics(prefix, station).flowsBundle, payload, { qos: 1, retain: true })
    }
    io.out(`published flow bundle version ${header.version} to ${stations.length} station${stations.length === 1 ? '' : 's'}: ${stations.join(', ')}`)
    await done
    for (const station of stations) io.out(`${station}: ${outcomes.get(station) ?? 'no report yet (it installs the retained bundle when it connects)'}`)
    if ([...outcomes.values()].some((outcome) => outcome.startsWith('refused'))) return 1
    return outcomes.size === stations.length ? 0 : EXIT_NO_REPORT
  } catch (error) {
    io.err(messageOf(error))
    return 1
  } finally {
    await client.endAsync().catch(() => undefined)
  }
}

/** The operator's broker connection, or null after saying on stderr why there is none. */
async function connectOrSay(broker: OpsBrokerOptions, io: OpsIo): Promise<MqttClient | null> {
  try {
    return await connectOpsBroker(broker)
  } catch (error) {
    io.err(messageOf(error))
    return null
  }
}
