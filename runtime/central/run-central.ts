/**
 * Starts the reference central beside a station (`station central`, and `npm start` in
 * simulation): loads the fixtures and connects. The caller owns the result and stops it.
 */
import type { KeyObject } from 'node:crypto'
import { systemClock, type Clock } from '../core/clock.js'
import type { Logger } from '../core/logger.js'
import { loadCentralFixtures } from './central-fixtures.js'
import { ReferenceCentral } from './reference-responder.js'

export interface RunReferenceCentralOptions {
  /** Broker URL, `mqtt://host:port`. */
  url: string
  /** Topic prefix shared with the stations (config mqtt.topicPrefix), e.g. `cs/v1`. */
  prefix: string
  /** Folder holding bills.json, dossiers.json and exam-slots.json; default the bundled fixtures. */
  fixturesDir?: string
  /** Ed25519 private key central signs every reply and notification with (loadSigningKey). */
  signingKey: KeyObject
  /** Demo mode: pay a looked-up unpaid bill after this many ms (see ReferenceCentralOptions). */
  autoPayAfterMs?: number
  log: Logger
  /** Default the system clock. */
  clock?: Clock
  /** The time answers are worked out at (see ReferenceCentralOptions); default `clock`. */
  answerNowMs?: () => number
}

/**
 * Resolves with a started central. Rejects with E_CONFIG_INVALID for unreadable or malformed
 * fixtures and E_MQTT_UNAVAILABLE when the broker cannot be reached.
 */
export async function runReferenceCentral(options: RunReferenceCentralOptions): Promise<ReferenceCentral> {
  const fixtures = await loadCentralFixtures(options.fixturesDir)
  const central = new ReferenceCentral({
    url: options.url,
    prefix: options.prefix,
    fixtures,
    signingKey: options.signingKey,
    clock: options.clock ?? systemClock,
    log: options.log,
    ...(options.autoPayAfterMs === undefined ? {} : { autoPayAfterMs: options.autoPayAfterMs }),
    ...(options.answerNowMs === undefined ? {} : { answerNowMs: options.answerNowMs }),
  })
  await central.start()
  return central
}
