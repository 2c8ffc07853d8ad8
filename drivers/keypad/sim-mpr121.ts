/**
 * A simulated MPR121: a register file that follows the chip's rules a driver can get wrong, for sim
 * mode and driver tests. Its controls are named after what a person does (touch, release) or what
 * goes wrong (over-current, NACK).
 */
import { BoundedLog } from '../bounded-log.js'
import { StationError } from '../../runtime/core/errors.js'
import type { I2cDevice } from '../i2c/i2c-bus.js'
import type { I2cFault } from '../i2c/sim-i2c-bus.js'
import {
  CONFIG1,
  CONFIG1_RESET_VALUE,
  CONFIG2,
  CONFIG2_RESET_VALUE,
  ECR,
  ECR_ELE_EN_MASK,
  ECR_ELEPROX_EN_MASK,
  ECR_RUN_BITS,
  E0BV,
  ELECTRODE_COUNT,
  ELEPROX_BIT,
  GPIO_CTRL0,
  GPIO_TOGGLE,
  MHDR,
  OVCF_BIT,
  SOFT_RESET,
  SOFT_RESET_VALUE,
  TOUCH_STATUS_0,
  TOUCH_STATUS_1,
} from './mpr121-registers.js'

/** One data byte the chip received, in `SimMpr121.writes`. */
export interface Mpr121Write {
  register: number
  value: number
  /** The chip's mode when the byte arrived: stop (ECR electrodes and proximity 0) or run. */
  mode: 'stop' | 'run'
  /** false when the chip ignored it (configuration write in run mode, read-only register, …). */
  applied: boolean
}

/** Registers 0x00–0x80; 0x80 (SOFT_RESET) is write-only. */
const REGISTER_FILE_SIZE = 0x81

/**
 * MPR121 register-level model. Rules kept from the data sheet (Rev 4):
 * - reset defaults: everything 0 except CONFIG1 = 0x10 and CONFIG2 = 0x24; writing 0x63 to 0x80 resets;
 * - registers 0x2B–0x7F accept writes only in stop mode, except ECR and the GPIO registers (5.1);
 * - status and data registers 0x00–0x1D are read-only; OVCF clears by writing 1 to it;
 * - touch status follows `touch`/`release` only for enabled electrodes while running; baselines are
 *   captured when measuring starts, so a finger already on a pad then reads as no touch until lifted;
 * - over-current sets OVCF and stops the chip; it cannot run again until the flag is cleared;
 * - the register pointer auto-increments on multi-byte reads and writes (section 6, "Read Format");
 *   this model wraps from 0x80 to 0x00;
 * - IRQ (active low) asserts when the touch status changes and releases when status is read.
 */
export class SimMpr121 implements I2cDevice {
  /** Every data byte received, in order. */
  #writes = new BoundedLog<Mpr121Write>()

  /** The newest data bytes written (up to 4096, bounded-log.ts), oldest first. */
  get writes(): readonly Mpr121Write[] {
    return this.#writes.entries
  }
  #registers = new Uint8Array(REGISTER_FILE_SIZE)
  #pointer = 0
  #touched = new Set<number>()
  /** Electrodes touched when measuring started: their baseline includes the finger, so they read untouched. */
  #baselined = new Set<number>()
  #proximity = false
  #overCurrentCondition = false
  #overCurrentFlag = false
  #lastReadStatus = 0
  #faults: { kind: I2cFault; count: number } | undefined

  constructor() {
    this.#reset()
  }

  /** A finger on `electrode` (0..11). Idempotent. */
  touch(electrode: number): void {
    this.#touched.add(checkElectrode(electrode))
  }

  /** The finger lifts from `electrode`. Idempotent. */
  release(electrode: number): void {
    this.#touched.delete(checkElectrode(electrode))
    this.#baselined.delete(electrode)
  }

  /** A hand near the pads: the ELEPROX channel (when enabled in ECR). */
  setProximity(active: boolean): void {
    this.#proximity = active
  }

  /**
   * A wiring fault on REXT. While it lasts, a running chip sets OVCF and stops; the flag stays set
   * (even after the fault is gone) until cleared by writing 1 to it or by a reset.
   */
  setOverCurrent(active: boolean): void {
    this.#overCurrentCondition = active
    if (active && this.running) this.#tripOverCurrent()
  }

  /** The next `count` transactions (writes or reads) fail: `nack` like an absent chip, `eio` like a bus error. */
  failNext(kind: I2cFault, count = 1): void {
    if (!Number.isInteger(count) || count < 1) throw new TypeError(`count must be a positive integer (got ${count})`)
    this.#faults = { kind, count }
  }

  /** Power off and on: registers to their defaults; fingers stay where they are. */
  powerCycle(): void {
    this.#reset()
  }

  /** Measuring: ECR enables electrodes or proximity. */
  get running(): boolean {
    return ((this.#registers[ECR] ?? 0) & ECR_RUN_BITS) !== 0
  }

  /** IRQ line asserted (pin low): touch status changed since it was last read. */
  get irqAsserted(): boolean {
    return this.#status() !== this.#lastReadStatus
  }

  /** A register's value as the chip would return it, without moving the pointer or releasing IRQ. */
  peek(register: number): number {
    if (register === TOUCH_STATUS_0) return this.#status() & 0xff
    if (register === TOUCH_STATUS_1) return this.#status() >> 8
    return this.#registers[register] ?? 0
  }

  /** First byte = register pointer; further bytes go to consecutive registers. */
  write(bytes: Uint8Array): void {
    this.#injectFault()
    const [pointer, ...data] = bytes
    if (pointer === undefined) return
    this.#pointer = pointer
    for (const value of data) {
      this.#writeRegister(this.#pointer, value)
      this.#pointer = (this.#pointer + 1) % REGISTER_FILE_SIZE
    }
  }

  /** Reads from the register pointer on, auto-incrementing. */
  read(length: number): Uint8Array {
    this.#injectFault()
    const bytes = new Uint8Array(length)
    for (let index = 0; index < length; index++) {
      const register = this.#pointer
      bytes[index] = register === SOFT_RESET ? 0 : this.peek(register)
      if (register === TOUCH_STATUS_0 || register === TOUCH_STATUS_1) this.#lastReadStatus = this.#status()
      this.#pointer = (this.#pointer + 1) % REGISTER_FILE_SIZE
    }
    return bytes
  }

  #injectFault(): void {
    const fault = this.#faults
    if (fault === undefined) return
    fault.count -= 1
    if (fault.count <= 0) this.#faults = undefined
    if (fault.kind === 'nack') {
      throw new StationError('E_I2C_NACK', 'MPR121 did not acknowledge (injected)', { errno: 'EREMOTEIO' })
    }
    throw new StationError('E_I2C_IO', 'I2C bus error talking to MPR121 (injected)', { errno: 'EIO' })
  }

  /** Touch status as a 16-bit word: electrodes bits 0..11, ELEPROX bit 12, OVCF bit 15. */
  #status(): number {
    let status = this.#overCurrentFlag ? OVCF_BIT << 8 : 0
    if (!this.running) return status
    const ecr = this.#registers[ECR] ?? 0
    const enabled = Math.min(ecr & ECR_ELE_EN_MASK, ELECTRODE_COUNT)
    for (const electrode of this.#touched) {
      if (electrode < enabled && !this.#baselined.has(electrode)) status |= 1 << electrode
    }
    if (this.#proximity && (ecr & ECR_ELEPROX_EN_MASK) !== 0) status |= ELEPROX_BIT << 8
    return status
  }

  #writeRegister(register: number, value: number): void {
    const mode = this.running ? 'run' : 'stop'
    const log = (applied: boolean): void => {
      this.#writes.push({ register, value, mode, applied })
    }
    if (register === SOFT_RESET) {
      if (value === SOFT_RESET_VALUE) this.#reset()
      log(value === SOFT_RESET_VALUE)
      return
    }
    if (register === TOUCH_STATUS_1) {
      // OVCF is write-1-to-clear; it comes straight back while the fault lasts (only when running).
      const clears = (value & OVCF_BIT) !== 0 && this.#overCurrentFlag
      if (clears) this.#overCurrentFlag = false
      log(clears)
      return
    }
    if (register < E0BV) {
      log(false)
      return
    }
    if (register === ECR) {
      if ((value & ECR_RUN_BITS) !== 0 && (this.#overCurrentFlag || this.#overCurrentCondition)) {
        if (this.#overCurrentCondition) this.#overCurrentFlag = true
        log(false)
        return
      }
      if (!this.running && (value & ECR_RUN_BITS) !== 0) this.#baselined = new Set(this.#touched)
      this.#registers[ECR] = value
      log(true)
      return
    }
    const alwaysWritable = register < MHDR || (register >= GPIO_CTRL0 && register <= GPIO_TOGGLE)
    if (!alwaysWritable && mode === 'run') {
      log(false)
      return
    }
    this.#registers[register] = value
    log(true)
  }

  #tripOverCurrent(): void {
    this.#overCurrentFlag = true
    this.#registers[ECR] = (this.#registers[ECR] ?? 0) & ~ECR_RUN_BITS
  }

  #reset(): void {
    this.#registers.fill(0)
    this.#registers[CONFIG1] = CONFIG1_RESET_VALUE
    this.#registers[CONFIG2] = CONFIG2_RESET_VALUE
    this.#overCurrentFlag = false
    this.#pointer = 0
    this.#lastReadStatus = 0
  }
}

function checkElectrode(electrode: number): number {
  if (!Number.isInteger(electrode) || electrode < 0 || electrode >= ELECTRODE_COUNT) {
    throw new TypeError(`electrode must be an integer 0..11 (got ${String(electrode)})`)
  }
  return electrode
}
