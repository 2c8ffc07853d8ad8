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

/** Publishes MESSAGES sequential QoS 1 submissions both ways against `url`; returns msgs/s. */
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
  let ours: number
  try {
    await up
    for (let i = 0; i < WARM_UP_MESSAGES; i++) await link.publishSubmission(benchSubmission(i))
    const started = performance.now()
    for (let i = 0; i < MESSAGES; i++) await link.publishSubmission(benchSubmission(i))
    ours = MESSAGES / ((performance.now() - started) / 1000)
  } finally {
    await link.stop()
  }

  const client = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 })
  let reference: number
  try {
    const topic = 'cs/bench/raw/submissions'
    for (let i = 0; i < WARM_UP_MESSAGES; i++) {
      await client.publishAsync(topic, JSON.stringify(benchSubmission(i)), { qos: 1 })
    }
    const started = performance.now()
    for (let i = 0; i < MESSAGES; i++) {
      await client.publishAsync(topic, JSON.stringify(benchSubmission(i)), { qos: 1 })
    }
    reference = MESSAGES / ((performance.now() - started) / 1000)
  } finally {
    await client.endAsync()
  }

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
