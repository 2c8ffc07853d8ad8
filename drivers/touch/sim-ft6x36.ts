/**
 * A simulated FT6x36 touch controller: a register file that follows the chip's rules a driver can get
 * wrong, for sim mode and driver tests. Its controls are named after what a person does (touch, lift)
 * or what goes wrong (NACK, bus error).
 */
import { BoundedLog } from '../bounded-log.js'
import { StationError } from '../../runtime/core/errors.js'
import type { I2cDevice } from '../i2c/i2c-bus.js'
import type { I2cFault } from '../i2c/sim-i2c-bus.js'
import {
  CHIP_ID_FT6236,
  COORDINATE_HIGH_MASK,
  COORDINATE_MAX,
  DEV_MODE,
  EVENT_CONTACT,
  EVENT_PUT_DOWN,
  EVENT_PUT_UP,
  FOCALTECH_VENDOR_ID,
  FT6X36_MAX_POINTS,
  G_MODE_POLLING,
  G_MODE_TRIGGER,
  ID_G_CIPHER,
  ID_G_CTRL,
  ID_G_FIRMID,
  ID_G_FOCALTECH_ID,
  ID_G_LIB_VERSION_H,
  ID_G_LIB_VERSION_L,
  ID_G_MODE,
  ID_G_PERIODACTIVE,
  ID_G_PMODE,
  ID_G_THGROUP,
  ID_G_TIMEENTERMONITOR,
  P1_XH,
  P2_MISC,
  PMODE_HIBERNATE,
  POINT_STRIDE,
  TD_STATUS,
  TOUCH_ID_MAX,
  XH_EVENT_SHIFT,
  YH_ID_SHIFT,
} from './ft6x36-registers.js'

/** What the simulated chip says about itself; defaults are an Adafruit FT6236 board. */
export interface SimFt6x36Options {
  /** ID_G_CIPHER; default 0x36 (FT6236). */
  chipId?: number
  /** ID_G_FIRMID; default 0x10. */
  firmwareVersion?: number
  /** ID_G_LIB_VERSION_H/L as one 16-bit number; default 0x3003. */
  libraryVersion?: number
  /** ID_G_FOCALTECH_ID; default 0x11 (FocalTech). */
  vendorId?: number
  /**
   * ID_G_MODE after power-on; default polling. The reset value differs between parts and board
   * revisions (docs/protocols.md 3.1: some ignore the write and always pulse); verify on hardware.
   */
  interruptMode?: 'polling' | 'trigger'
}

/** One data byte the chip received, in `SimFt6x36.writes`. */
export interface Ft6x36Write {
  register: number
  value: number
  /** false when the chip ignored it (touch data and identity registers are read-only). */
  applied: boolean
}

/** A finger the chip tracks. */
interface Finger {
  id: number
  x: number
  y: number
  /** The host has read this point's report since it went down: later reports say contact. */
  reported: boolean
}

const REGISTER_FILE_SIZE = 0x100
/** Registers the host may write; everything else (touch data, identity) is read-only here. */
const WRITABLE = new Set([DEV_MODE, ID_G_THGROUP, ID_G_CTRL, ID_G_TIMEENTERMONITOR, ID_G_PERIODACTIVE, ID_G_MODE, ID_G_PMODE])
/** Adafruit_FT6206 writes 128 here; used as the power-on value too. */
const DEFAULT_THRESHOLD = 0x80

/**
 * FT6x36 register-level model. Rules kept from the data sheet and docs/protocols.md 3.1:
 * - the register pointer auto-increments on reads and writes (wrapping 0xFF → 0x00), so one read from
 *   0x00 returns a coherent report;
 * - at most 2 fingers are tracked; a third finger on the glass is not reported;
 * - TD_STATUS counts the fingers; their points fill P1, P2 in the order they went down; a new point
 *   reads put-down until the host has read it once, then contact;
 * - after a lift, the slot just past the remaining points keeps the lifted point's coordinates
 *   flagged put-up (ft6x36/release_td_status_zero); slots beyond keep stale bytes; power-on fills
 *   them with 0xFF;
 * - touch data and identity registers ignore writes;
 * - INT (active low): in polling mode (G_MODE 0) held while a finger is down; in trigger mode
 *   (G_MODE 1) it pulses per new report, modelled as pending until the host reads TD_STATUS;
 * - writing 3 (hibernate) to ID_G_PMODE makes the chip stop answering until it is power-cycled
 *   (only RESET/INT wake it).
 */
export class SimFt6x36 implements I2cDevice {
  /** Every data byte received, in order. */
  #writes = new BoundedLog<Ft6x36Write>()

  /** The newest data bytes written (up to 4096, bounded-log.ts), oldest first. */
  get writes(): readonly Ft6x36Write[] {
    return this.#writes.entries
  }
  #options: Required<SimFt6x36Options>
  #registers = new Uint8Array(REGISTER_FILE_SIZE)
  #pointer = 0
  #fingers: Finger[] = []
  #lifted: Omit<Finger, 'reported'> | undefined
  #reportPending = false
  #hibernating = false
  #faults: { kind: I2cFault; count: number } | undefined

  constructor(options: SimFt6x36Options = {}) {
    this.#options = {
      chipId: options.chipId ?? CHIP_ID_FT6236,
      firmwareVersion: options.firmwareVersion ?? 0x10,
      libraryVersion: options.libraryVersion ?? 0x3003,
      vendorId: options.vendorId ?? FOCALTECH_VENDOR_ID,
      interruptMode: options.interruptMode ?? 'polling',
    }
    this.#powerOn()
  }

  /**
   * Finger `id` (0..15) down at (x, y), or moved there if it is already down. A third finger while
   * two are down is ignored, as the chip has only two point slots.
   */
  touch(id: number, x: number, y: number): void {
    checkRange('id', id, TOUCH_ID_MAX)
    checkRange('x', x, COORDINATE_MAX)
    checkRange('y', y, COORDINATE_MAX)
    const finger = this.#fingers.find((candidate) => candidate.id === id)
    if (finger !== undefined) {
      finger.x = x
      finger.y = y
    } else {
      if (this.#fingers.length >= FT6X36_MAX_POINTS) return
      this.#fingers.push({ id, x, y, reported: false })
      this.#lifted = undefined
    }
    this.#update()
  }

  /** Finger `id` leaves the glass. Does nothing if the chip is not tracking it. */
  lift(id: number): void {
    const index = this.#fingers.findIndex((candidate) => candidate.id === id)
    const finger = this.#fingers[index]
    if (finger === undefined) return
    this.#fingers.splice(index, 1)
    this.#lifted = { id: finger.id, x: finger.x, y: finger.y }
    this.#update()
  }

  /** The next `count` transactions (writes or reads) fail: `nack` like an absent chip, `eio` like a bus error. */
  failNext(kind: I2cFault, count = 1): void {
    if (!Number.isInteger(count) || count < 1) throw new TypeError(`count must be a positive integer (got ${count})`)
    this.#faults = { kind, count }
  }

  /** Power off and on: registers to their power-on values, out of hibernation; fingers stay where they are. */
  powerCycle(): void {
    this.#powerOn()
  }

  /** Touch IDs the chip is tracking, in slot order. */
  get touchIds(): number[] {
    return this.#fingers.map((finger) => finger.id)
  }

  /** INT line asserted (pin low); see the class comment for the two interrupt modes. */
  get irqAsserted(): boolean {
    if (this.#hibernating) return false
    if ((this.#registers[ID_G_MODE] ?? 0) === G_MODE_POLLING) return this.#fingers.length > 0
    return this.#reportPending
  }

  /** Hibernating after ID_G_PMODE ← 3: every transaction NACKs until `powerCycle`. */
  get hibernating(): boolean {
    return this.#hibernating
  }

  /** A register's value, without moving the pointer or counting as a read by the host. */
  peek(register: number): number {
    return this.#registers[register] ?? 0
  }

  /** First byte = register pointer; further bytes go to consecutive registers. */
  write(bytes: Uint8Array): void {
    this.#injectFault()
    const [pointer, ...data] = bytes
    if (pointer === undefined) return
    this.#pointer = pointer
    for (const value of data) {
      const register = this.#pointer
      const applied = WRITABLE.has(register)
      if (applied) this.#registers[register] = value
      this.#writes.push({ register, value, applied })
      this.#pointer = (this.#pointer + 1) % REGISTER_FILE_SIZE
      if (applied && register === ID_G_PMODE && value === PMODE_HIBERNATE) this.#hibernating = true
    }
  }

  /** Reads from the register pointer on, auto-incrementing. The report changes only after the read ends. */
  read(length: number): Uint8Array {
    this.#injectFault()
    const bytes = new Uint8Array(length)
    let sawReport = false
    for (let index = 0; index < length; index++) {
      const register = this.#pointer
      bytes[index] = this.#registers[register] ?? 0
      if (register === TD_STATUS) this.#reportPending = false
      if (register >= P1_XH && register <= P2_MISC) sawReport = true
      this.#pointer = (this.#pointer + 1) % REGISTER_FILE_SIZE
    }
    if (sawReport && this.#fingers.some((finger) => !finger.reported)) {
      for (const finger of this.#fingers) finger.reported = true
      this.#render()
    }
    return bytes
  }

  #injectFault(): void {
    if (this.#hibernating) {
      throw new StationError('E_I2C_NACK', 'FT6x36 is hibernating and does not acknowledge', { errno: 'EREMOTEIO' })
    }
    const fault = this.#faults
    if (fault === undefined) return
    fault.count -= 1
    if (fault.count <= 0) this.#faults = undefined
    if (fault.kind === 'nack') {
      throw new StationError('E_I2C_NACK', 'FT6x36 did not acknowledge (injected)', { errno: 'EREMOTEIO' })
    }
    throw new StationError('E_I2C_IO', 'I2C bus error talking to FT6x36 (injected)', { errno: 'EIO' })
  }

  /** A new report: registers follow the fingers and trigger-mode INT pulses. */
  #update(): void {
    this.#reportPending = true
    this.#render()
  }

  /** Writes TD_STATUS and the point slots from the fingers (see the class comment for the slot rules). */
  #render(): void {
    this.#registers[TD_STATUS] = this.#fingers.length
    this.#fingers.forEach((finger, slot) => {
      this.#writePoint(slot, finger, finger.reported ? EVENT_CONTACT : EVENT_PUT_DOWN)
    })
    if (this.#lifted !== undefined && this.#fingers.length < FT6X36_MAX_POINTS) {
      this.#writePoint(this.#fingers.length, this.#lifted, EVENT_PUT_UP)
    }
  }

  #writePoint(slot: number, point: { id: number; x: number; y: number }, event: number): void {
    const base = P1_XH + POINT_STRIDE * slot
    this.#registers.set(
      [
        (event << XH_EVENT_SHIFT) | ((point.x >> 8) & COORDINATE_HIGH_MASK),
        point.x & 0xff,
        (point.id << YH_ID_SHIFT) | ((point.y >> 8) & COORDINATE_HIGH_MASK),
        point.y & 0xff,
        0x00, // WEIGHT: constant on the panels seen (docs/protocols.md 3.1 "often constant")
        0x00, // MISC: area, FT5x06 only
      ],
      base,
    )
  }

  #powerOn(): void {
    this.#registers.fill(0)
    // Point slots read 0xFF until the first touch (as in the ft6x36 vectors' unused P2 bytes).
    this.#registers.fill(0xff, P1_XH, P2_MISC + 2)
    this.#registers[ID_G_THGROUP] = DEFAULT_THRESHOLD
    this.#registers[ID_G_LIB_VERSION_H] = (this.#options.libraryVersion >> 8) & 0xff
    this.#registers[ID_G_LIB_VERSION_L] = this.#options.libraryVersion & 0xff
    this.#registers[ID_G_CIPHER] = this.#options.chipId
    this.#registers[ID_G_MODE] = this.#options.interruptMode === 'trigger' ? G_MODE_TRIGGER : G_MODE_POLLING
    this.#registers[ID_G_FIRMID] = this.#options.firmwareVersion
    this.#registers[ID_G_FOCALTECH_ID] = this.#options.vendorId
    this.#pointer = 0
    this.#hibernating = false
    this.#lifted = undefined
    for (const finger of this.#fingers) finger.reported = false
    this.#reportPending = this.#fingers.length > 0
    this.#render()
  }
}

function checkRange(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new TypeError(`${name} must be an integer 0..${max} (got ${String(value)})`)
  }
}
