import { systemClock } from '../../runtime/core/clock.js'
import { createSilentLogger } from '../../runtime/log.js'
import { MqttLink, type MqttLinkOptions } from '../../runtime/mqtt/mqtt-link.js'
import type { Teardown } from './mosquitto.js'

/**
 * An MqttLink for tests against a private mosquitto: fast reconnects, a fixed jitter, a silent log,
 * stopped at teardown. `overrides` replace any option (station id, clock, log, flows).
 */
export function createTestLink(t: Teardown, url: string, overrides: Partial<MqttLinkOptions> = {}): MqttLink {
  const link = new MqttLink({
    url,
    stationId: 'test-station-1',
    topicPrefix: 'cs/v1',
    keepaliveS: 30,
    reconnectMinMs: 50,
    reconnectMaxMs: 400,
    connectTimeoutMs: 2000,
    version: '0.1.0-test',
    bootId: 'boot-1',
    flows: () => [{ id: 'pay-bill', version: 1 }],
    clock: systemClock,
    log: createSilentLogger(),
    random: () => 0.5,
    ...overrides,
  })
  t.teardown(() => link.stop())
  return link
}

/** Resolves on the next state change equal to `connected` (or now, if already there). */
export function waitForLinkState(link: MqttLink, connected: boolean, timeoutMs = 5000): Promise<void> {
  if (link.isConnected === connected) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`link not ${connected ? 'connected' : 'disconnected'}`)), timeoutMs)
    const unsubscribe = link.onStateChange((state) => {
      if (state !== connected) return
      clearTimeout(timer)
      unsubscribe()
      resolve()
    })
  })
}
