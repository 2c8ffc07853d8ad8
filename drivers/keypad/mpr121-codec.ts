/**
 * Pure MPR121 encoding (docs/protocols.md 3.2): touch status bytes to electrodes, electrode edges, the
 * register writes that configure the chip, and the identity check.
 */
import { StationError } from '../../runtime/core/errors.js'
import {
  CONFIG1,
  CONFIG2,
  CONFIG2_RESET_VALUE,
  DEBOUNCE,
  E0RTH,
  E0TTH,
  ECR,
  ECR_CL_LOAD_5MSB,
  ELECTRODE_COUNT,
  ELEPROX_BIT,
  FDLF,
  FDLR,
  FDLT,
  MHDF,
  MHDR,
  NCLF,
  NCLR,
  NCLT,
  NHDF,
  NHDR,
  NHDT,
  OVCF_BIT,
  SOFT_RESET,
  SOFT_RESET_VALUE,
  TOUCH_STATUS_1_RESERVED,
} from './mpr121-registers.js'

/** Decoded TOUCH_STATUS_0/1. */
export interface TouchStatus {
  /** Touched electrodes, ascending, 0..11. */
  electrodes: number[]
  /** The ELEPROX proximity channel is active. */
  proximity: boolean
  /** OVCF: over-current on REXT; the chip has stopped measuring until reset. */
  overCurrent: boolean
}

/** Electrodes that went down and came up between two readings, each ascending. */
export interface ElectrodeEdges {
  pressed: number[]
  released: number[]
}

/** One byte written to one register. */
export interface RegisterWrite {
  register: number
  value: number
}

/** Settings of `initWrites`. */
export interface Mpr121Settings {
  /** Touch threshold, 1..255; must exceed releaseThreshold (hysteresis). Adafruit uses 12. */
  touchThreshold: number
  /** Release threshold, 0..254. Adafruit uses 6. */
  releaseThreshold: number
  /** Electrodes 0..n-1 to enable, 1..12; default 12. */
  electrodeCount?: number
}

/**
 * Decodes the two bytes read from TOUCH_STATUS_0 (`status = b0 | b1 << 8`): electrodes are bits
 * 0..11, ELEPROX bit 12, OVCF bit 15. Throws E_CODEC_INVALID unless there are exactly two bytes
 * and the reserved bits 13..14 are 0 (a chip that sets them is not an MPR121 or the read was corrupt).
 */
export function decodeTouchStatus(bytes: Uint8Array): TouchStatus {
  if (bytes.length !== 2) {
    throw new StationError('E_CODEC_INVALID', 'MPR121 touch status is 2 bytes', { length: bytes.length })
  }
  const low = bytes[0] ?? 0
  const high = bytes[1] ?? 0
  if (high & TOUCH_STATUS_1_RESERVED) {
    throw new StationError('E_CODEC_INVALID', 'reserved bits set in MPR121 touch status', { offset: 1, byte: high })
  }
  const mask = low | ((high & 0x0f) << 8)
  const electrodes: number[] = []
  for (let electrode = 0; electrode < ELECTRODE_COUNT; electrode++) {
    if (mask & (1 << electrode)) electrodes.push(electrode)
  }
  return { electrodes, proximity: (high & ELEPROX_BIT) !== 0, overCurrent: (high & OVCF_BIT) !== 0 }
}

/** Which electrodes were pressed and released going from `before` to `after`. */
export function diffElectrodes(before: readonly number[], after: readonly number[]): ElectrodeEdges {
  const was = new Set(before)
  const now = new Set(after)
  return {
    pressed: [...now].filter((electrode) => !was.has(electrode)).sort((a, b) => a - b),
    released: [...was].filter((electrode) => !now.has(electrode)).sort((a, b) => a - b),
  }
}

/**
 * The Adafruit initialisation (docs/protocols.md 3.2), in order: soft reset; stop mode; touch then release
 * thresholds per electrode; baseline filters; no debounce, 16 µA, 0.5 µs / 1 ms period; ECR last,
 * which starts measuring (CL = 10, n electrodes, proximity off) and captures the baselines.
 * The caller waits ≥ 1 ms after the reset write. Throws E_CODEC_INVALID for out-of-range settings.
 */
export function initWrites(settings: Mpr121Settings): RegisterWrite[] {
  const { touchThreshold, releaseThreshold } = settings
  const electrodeCount = settings.electrodeCount ?? ELECTRODE_COUNT
  if (!Number.isInteger(touchThreshold) || touchThreshold < 1 || touchThreshold > 0xff) {
    throw new StationError('E_CODEC_INVALID', 'touchThreshold must be 1..255', { touchThreshold })
  }
  if (!Number.isInteger(releaseThreshold) || releaseThreshold < 0 || releaseThreshold >= touchThreshold) {
    throw new StationError('E_CODEC_INVALID', 'releaseThreshold must be 0..touchThreshold-1', {
      touchThreshold,
      releaseThreshold,
    })
  }
  if (!Number.isInteger(electrodeCount) || electrodeCount < 1 || electrodeCount > ELECTRODE_COUNT) {
    throw new StationError('E_CODEC_INVALID', 'electrodeCount must be 1..12', { electrodeCount })
  }
  const writes: RegisterWrite[] = [
    { register: SOFT_RESET, value: SOFT_RESET_VALUE },
    // Configuration registers accept writes only in stop mode (data sheet 5.1).
    { register: ECR, value: 0x00 },
  ]
  for (let n = 0; n < electrodeCount; n++) writes.push({ register: E0TTH + 2 * n, value: touchThreshold })
  for (let n = 0; n < electrodeCount; n++) writes.push({ register: E0RTH + 2 * n, value: releaseThreshold })
  // Baseline filter values from Adafruit_MPR121::begin (AN3891 "typical" settings).
  const filters: Array<[number, number]> = [
    [MHDR, 0x01],
    [NHDR, 0x01],
    [NCLR, 0x0e],
    [FDLR, 0x00],
    [MHDF, 0x01],
    [NHDF, 0x05],
    [NCLF, 0x01],
    [FDLF, 0x00],
    [NHDT, 0x00],
    [NCLT, 0x00],
    [FDLT, 0x00],
  ]
  for (const [register, value] of filters) writes.push({ register, value })
  writes.push(
    { register: DEBOUNCE, value: 0x00 },
    { register: CONFIG1, value: 0x10 }, // FFI = 6 samples, CDC = 16 µA
    { register: CONFIG2, value: 0x20 }, // CDT = 0.5 µs, SFI = 4 samples, ESI = 1 ms
    // ELE_EN 12..15 all enable ELE0..ELE11 (data sheet 5.11); 0xF is what Adafruit writes.
    { register: ECR, value: ECR_CL_LOAD_5MSB | (electrodeCount === ELECTRODE_COUNT ? 0x0f : electrodeCount) },
  )
  return writes
}

/** True when CONFIG2 read back its reset value 0x24 after a soft reset: the chip is an MPR121. */
export function isPresent(config2Byte: number): boolean {
  return config2Byte === CONFIG2_RESET_VALUE
}
