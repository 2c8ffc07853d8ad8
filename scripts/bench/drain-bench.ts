/**
 * Figure 1 (docs/benchmarks.md): a backlog of N 1 KB submissions drained through the real station
 * path (openJournalOutbox, MqttLink verifying central's signature, OutboxDrain) until central has
 * acknowledged every one, against raw MQTT.js publishAsync QoS 1 with 64 in flight of the same
 * payloads to the same broker. Central runs in a child process; the CPU figure is this process's.
 */
import { generateKeyPairSync } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { connectAsync, type MqttClient } from 'mqtt'
import { systemClock } from '../../runtime/core/clock.js'
import { createSilentLogger } from '../../runtime/log.js'
import { MqttLink } from '../../runtime/mqtt/mqtt-link.js'
import { OutboxDrain } from '../../runtime/mqtt/outbox-drain.js'
import { centralVerifier } from '../../runtime/ops/central-verifier.js'
import { keyIdOf } from '../../runtime/ops/signed-envelope.js'
import { benchScript, sleep, spawnNode, type Spawned } from './child-process.js'
import { summarize, type FigureResult, type Repetition } from './figure.js'
import type { Outbox } from '../../runtime/outbox/outbox-types.js'
import { openBenchOutbox, type OutboxFixtures } from './fixtures.js'
import { benchSubmission } from './submissions.js'

const STATION_ID = 'bench-drain'
const PREFIX = 'cs/bench'
const REFERENCE_TOPIC = 'bench/raw/submissions'
/** The reference publisher's window, as the issue states it. */
export const REFERENCE_IN_FLIGHT = 64

export interface DrainBenchOptions {
  brokerUrl: string
  fixtures: OutboxFixtures
  workDir: string
  sizes: readonly number[]
  repetitions: number
  /** A run of ours still going after this long is cut off and its rate so far reported (noted). */
  capMs: (size: number) => number
  log: (line: string) => void
}

interface Run {
  messages: number
  elapsedMs: number
  cpuUs: number
  capped: boolean
}

function label(size: number): string {
  return size >= 1000 && size % 1000 === 0 ? `${size / 1000}k` : String(size)
}

export async function benchDrain(options: DrainBenchOptions): Promise<FigureResult[]> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const central = spawnNode([benchScript('central-child.js'), options.brokerUrl, PREFIX, REFERENCE_TOPIC], {
    BENCH_CENTRAL_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  })
  const results: FigureResult[] = []
  let reference: MqttClient | undefined
  try {
    await central.waitForLine((line) => line === 'ready', 15_000)
    reference = await connectAsync(options.brokerUrl, { protocolVersion: 5, reconnectPeriod: 0 })
    const trusted = new Map([[keyIdOf(publicKey), publicKey]])
    for (const size of options.sizes) {
      const payloads = Array.from({ length: size }, (_, i) => JSON.stringify(benchSubmission(i)))
      const repetitions: Repetition[] = []
      const notes: string[] = []
      for (let rep = 0; rep < options.repetitions; rep++) {
        const ours = await drainOurs(options, size, rep, trusted, central)
        const raw = await publishRaw(reference, payloads)
        options.log(`  drain ${label(size)} rep ${rep + 1}: ours ${rate(ours).toFixed(0)} msg/s${ours.capped ? ' (capped)' : ''}, reference ${rate(raw).toFixed(0)} msg/s`)
        if (ours.capped) notes.push(`rep ${rep + 1} cut off after ${(ours.elapsedMs / 1000).toFixed(0)} s with ${ours.messages} of ${size} delivered: rate so far`)
        const oursCpuPerMsgUs = ours.cpuUs / Math.max(1, ours.messages)
        const rawCpuPerMsgUs = raw.cpuUs / raw.messages
        repetitions.push({
          ours: rate(ours),
          reference: rate(raw),
          extra: { cpuPerMsgUs: oursCpuPerMsgUs, referenceCpuPerMsgUs: rawCpuPerMsgUs, cpuPerMsgRatio: oursCpuPerMsgUs / rawCpuPerMsgUs },
        })
      }
      results.push(
        summarize(
          {
            name: `drain-${label(size)}`,
            title: `drain of a ${label(size)} backlog (central's signed ack)`,
            unit: 'msg/s',
            reference: `MQTT.js QoS 1, ${REFERENCE_IN_FLIGHT} in flight`,
            goal: { metric: 'ratio', op: '>=', value: 0.5, text: '>= 0.5x, flat' },
          },
          repetitions,
          notes,
        ),
      )
    }
  } finally {
    await reference?.endAsync().catch(() => undefined)
    await central.stop()
  }
  return results
}

function rate(run: Run): number {
  return (run.messages * 1000) / run.elapsedMs
}

async function drainOurs(
  options: DrainBenchOptions,
  size: number,
  rep: number,
  trusted: Map<string, import('node:crypto').KeyObject>,
  central: Spawned,
): Promise<Run> {
  const dir = await options.fixtures.copy(size, join(options.workDir, `drain-${size}-${rep}`))
  const opened = await openBenchOutbox(dir, options.fixtures.key)
  const { outbox, drained } = observeDrained(opened)
  const link = new MqttLink({
    url: options.brokerUrl,
    stationId: STATION_ID,
    topicPrefix: PREFIX,
    keepaliveS: 30,
    reconnectMinMs: 500,
    reconnectMaxMs: 5000,
    connectTimeoutMs: 5000,
    version: 'bench',
    bootId: `bench-${rep}`,
    flows: () => [],
    clock: systemClock,
    log: createSilentLogger(),
    verifier: centralVerifier({ stationId: STATION_ID, trustedKeys: trusted, maxSkewS: 300, clock: systemClock }),
  })
  const drain = new OutboxDrain({
    outbox,
    link,
    clock: systemClock,
    log: createSilentLogger(),
    retryMinMs: 500,
    retryMaxMs: 5000,
    stopWaitMs: 2000,
  })
  try {
    const up = new Promise<void>((resolve) => {
      const unsubscribe = link.onStateChange((connected) => {
        if (!connected) return
        unsubscribe()
        resolve()
      })
    })
    await link.start()
    await up
    // Let the link's subscriptions and birth message settle before the clock starts.
    await sleep(200)
    const capMs = options.capMs(size)
    const cpuBefore = process.cpuUsage()
    const startedMs = performance.now()
    await drain.start()
    const cap = new AbortController()
    const centralGone = central.exited.then(() => {
      throw new Error(`central exited:\n${central.tail()}`)
    })
    await Promise.race([drained, sleep(capMs, cap.signal), centralGone])
    cap.abort()
    centralGone.catch(() => undefined)
    const elapsedMs = performance.now() - startedMs
    const cpu = process.cpuUsage(cpuBefore)
    const left = outbox.depth()
    return { messages: size - left, elapsedMs, cpuUs: cpu.user + cpu.system, capped: left > 0 }
  } finally {
    await drain.stop()
    await link.stop()
    await opened.close()
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * The outbox as the drain sees it, every call passed to `outbox`, and a promise that resolves once
 * a markDelivered leaves it empty: the end of a drain without polling (a poll loop would add its
 * own wake-ups to ours' CPU per message).
 */
function observeDrained(outbox: Outbox): { outbox: Outbox; drained: Promise<void> } {
  let resolveDrained: () => void = () => undefined
  const drained = new Promise<void>((resolve) => (resolveDrained = resolve))
  const observed: Outbox = {
    append: (submission) => outbox.append(submission),
    pendingFrom: (fromSeq, limit) => outbox.pendingFrom(fromSeq, limit),
    read: (id) => outbox.read(id),
    markDelivered: async (id) => {
      await outbox.markDelivered(id)
      if (outbox.depth() === 0) resolveDrained()
    },
    depth: () => outbox.depth(),
    oldestCreatedAtMs: () => outbox.oldestCreatedAtMs(),
    damage: () => outbox.damage(),
    storage: () => outbox.storage(),
    onAppended: (listener) => outbox.onAppended(listener),
    onSetAside: (listener) => outbox.onSetAside(listener),
    close: () => outbox.close(),
  }
  return { outbox: observed, drained }
}

/** Every payload published QoS 1 with REFERENCE_IN_FLIGHT awaiting PUBACK at any time. */
async function publishRaw(client: MqttClient, payloads: readonly string[]): Promise<Run> {
  let next = 0
  const worker = async () => {
    while (next < payloads.length) await client.publishAsync(REFERENCE_TOPIC, payloads[next++]!, { qos: 1 })
  }
  const cpuBefore = process.cpuUsage()
  const startedMs = performance.now()
  await Promise.all(Array.from({ length: REFERENCE_IN_FLIGHT }, worker))
  const elapsedMs = performance.now() - startedMs
  const cpu = process.cpuUsage(cpuBefore)
  return { messages: payloads.length, elapsedMs, cpuUs: cpu.user + cpu.system, capped: false }
}
