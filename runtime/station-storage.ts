/**
 * What a station reads and opens on disk before anything runs: its data dir (claimed, so a second
 * station on it is refused), the keys it trusts, and its storage (state.json with the boot counted,
 * the submission key, the outbox journal). startStation calls these in this order, with the flows
 * loaded between the claim and the keys, so a missing flows folder or a bad key file fails the start
 * before any storage is opened.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../config/schema.js'
import type { Clock } from './core/clock.js'
import { StationError } from './core/errors.js'
import type { Logger } from './core/logger.js'
import { isSocketAnswering } from './control/control-server.js'
import { controlSocketPath } from './control/socket-path.js'
import { loadOrCreateKey } from './crypto/key-file.js'
import type { TrustedKeys } from './ops/signed-envelope.js'
import { loadTrustedKeys } from './ops/trusted-keys.js'
import { openJournalOutbox, type JournalOutbox } from './outbox/journal-outbox.js'
import { openStationState, type StationState } from './state/station-state.js'

/**
 * Makes the data dir (owner only) and returns the control socket's path in it. Rejects with
 * E_CONTROL_REQUEST when a station already answers there: two stations on one data dir would write
 * one journal from two processes.
 */
export async function claimDataDir(config: Config): Promise<string> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 })
  const socketPath = controlSocketPath(config.dataDir, config.control.socketPath)
  if (await isSocketAnswering(socketPath)) {
    throw new StationError('E_CONTROL_REQUEST', `another station is already running with data dir ${config.dataDir}`, {
      path: socketPath,
    })
  }
  return socketPath
}

export interface StationTrust {
  /** Central's signing keys (central.trustedKeys); empty without a broker. */
  centralKeys: TrustedKeys
  /** Operations' signing keys (ops.trustedKeys). */
  opsTrustedKeys: TrustedKeys
}

/**
 * The keys whose signatures the station obeys. Central's word counts only when signed by a key in
 * central.trustedKeys (docs/delivery.md): without one nothing central sends is obeyed and no
 * submission leaves the outbox, which is warned of. An unreadable or wrong key file rejects
 * (E_CONFIG_INVALID).
 */
export async function loadStationTrust(config: Config, brokerUrl: string | null, log: Logger): Promise<StationTrust> {
  const centralKeys: TrustedKeys = brokerUrl ? await loadTrustedKeys(config.central.trustedKeys) : new Map()
  if (brokerUrl && centralKeys.size === 0) {
    log.warn('central.trustedKeys is empty: central\'s acknowledgements and replies will all be refused')
  }
  const opsTrustedKeys = await loadTrustedKeys(config.ops.trustedKeys)
  return { centralKeys, opsTrustedKeys }
}

export interface StationStorage {
  state: StationState
  /** This start's number, grown at every start (central orders births and deaths by it, docs/mqtt.md). */
  bootCount: number
  outbox: JournalOutbox
}

/** Opens state.json and counts this boot, loads (or makes) the submission key, and opens the outbox. */
export async function openStationStorage(config: Config, clock: Clock, log: Logger): Promise<StationStorage> {
  const state = await openStationState(join(config.dataDir, 'state.json'), {
    bootCount: 0,
    receiptSeq: 0,
    maintenance: false,
  }, { nowMs: () => clock.now() })
  let bootCount: number
  try {
    bootCount = await state.recordBoot()
  } catch (error) {
    // A full disk must not keep the station down: it starts with intake refused, delivers what is
    // queued, and the storage watch writes the counter once space is back (docs/storage-faults.md).
    bootCount = state.get().bootCount
    log.error({ err: error }, 'boot counter not written; starting with new submissions refused')
  }
  const key = await loadOrCreateKey(config.storage.keyFile)
  const outbox = await openJournalOutbox({
    dir: join(config.dataDir, 'outbox'),
    key,
    clock,
    maxBytes: config.storage.outboxMaxBytes,
    segmentBytes: config.storage.outboxSegmentBytes,
    reserveBytes: config.storage.reserveBytes,
    log,
  })
  return { state, bootCount, outbox }
}
