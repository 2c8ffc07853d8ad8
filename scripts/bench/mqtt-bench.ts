/**
 * Benchmark: MqttLink.publishSubmission against bare MQTT.js publishAsync, both QoS 1, one message in
 * flight at a time (as the outbox drain sends), 1 KB each, same broker, same run.
 */
import { connectAsync } from 'mqtt'
import { systemClock } from '../../runtime/clock.js'
import { createSilentLogger } from '../../runtime/log.js'
import { MqttLink } from '../../runtime/mqtt/mqtt-link.js'
import type { Submission } from '../../runtime/outbox/outbox-types.js'

export interface MqttBenchRow {
  name: string
  /** Our throughput. */
  ours: number
  /** The reference's throughput, measured in the same run. */
  reference: number
  /** ours / reference; 1 means no overhead. */
  ratio: number
  unit: string
}

const MESSAGES = 2000
const WARM_UP_MESSAGES = 100
const CHUNK_MESSAGES = 100
const PAYLOAD_BYTES = 1024

function benchSubmission(index: number): Submission {
  const base: Submission = {
    id: `bench-${String(index).padStart(6, '0')}`,
    flow: 'bench',
    flowVersion: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    data: { filler: '' },
  }
  const padding = Math.max(0, PAYLOAD_BYTES - Buffer.byteLength(JSON.stringify(base)))
  return { ...base, data: { filler: 'x'.repeat(padding) } }
}

/**
 * Publishes MESSAGES sequential QoS 1 submissions each way against `url` and returns msgs/s.
 * The two run interleaved in chunks, so a load change on a shared machine hits both alike.
 */
export async function benchMqtt(url: string): Promise<MqttBenchRow[]> {
  const link = new MqttLink({
    url,
    stationId: 'bench-station',
    topicPrefix: 'cs/bench',
    keepaliveS: 30,
    reconnectMinMs: 500,
    reconnectMaxMs: 5000,
    connectTimeoutMs: 5000,
    version: 'bench',
    bootId: 'bench',
    flows: () => [],
    clock: systemClock,
    log: createSilentLogger(),
  })
  const up = new Promise<void>((resolve) => {
    const unsubscribe = link.onStateChange((connected) => {
      if (!connected) return
      unsubscribe()
      resolve()
    })
  })
  await link.start()
  const client = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 })
  const rawTopic = 'cs/bench/raw/submissions'
  const ourChunk = async (from: number, count: number) => {
    for (let i = from; i < from + count; i++) await link.publishSubmission(benchSubmission(i))
  }
  const referenceChunk = async (from: number, count: number) => {
    for (let i = from; i < from + count; i++) {
      await client.publishAsync(rawTopic, JSON.stringify(benchSubmission(i)), { qos: 1 })
    }
  }
  let oursMs = 0
  let referenceMs = 0
  try {
    await up
    await ourChunk(0, WARM_UP_MESSAGES)
    await referenceChunk(0, WARM_UP_MESSAGES)
    for (let from = 0; from < MESSAGES; from += CHUNK_MESSAGES) {
      let started = performance.now()
      await ourChunk(from, CHUNK_MESSAGES)
      oursMs += performance.now() - started
      started = performance.now()
      await referenceChunk(from, CHUNK_MESSAGES)
      referenceMs += performance.now() - started
    }
  } finally {
    await client.endAsync()
    await link.stop()
  }
  const ours = MESSAGES / (oursMs / 1000)
  const reference = MESSAGES / (referenceMs / 1000)
  return [
    {
      name: `mqtt: ${MESSAGES} sequential QoS1 ${PAYLOAD_BYTES} B submissions (MqttLink vs bare MQTT.js)`,
      ours: Math.round(ours),
      reference: Math.round(reference),
      ratio: Number((ours / reference).toFixed(3)),
      unit: 'msgs/s',
    },
  ]
}
