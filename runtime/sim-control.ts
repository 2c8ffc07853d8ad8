import type { Config, KeyName } from '../config/schema.js'
import type { EventBus } from './bus/event-bus.js'
import type { StationEvents } from './bus/events.js'
import type { Clock } from './core/clock.js'
import type { ControlHandler } from './control/control-server.js'
import { renderPaper } from '../drivers/printer/escpos-decoder.js'
import { messageOf, StationError } from './core/errors.js'
import { SIM_DEVICES, type SimDevice, type SimRig } from './hardware/sim-rig.js'
import { randomBytes } from 'node:crypto'
import type { SimChipFaults } from '../drivers/emrtd/sim-cccd-from-qr.js'
import type { TestIssuer } from '../drivers/emrtd/sim-issuer.js'

/** Enough failed transactions in a row for the keypad driver to call itself faulty (5 polls). */
const NOISE_TRANSACTIONS = 8

function simDevice(value: unknown): SimDevice {
  const device = String(value ?? '')
  if (!(SIM_DEVICES as readonly string[]).includes(device)) {
    throw new StationError('E_CONTROL_REQUEST', `unknown device '${device}': use ${SIM_DEVICES.join(', ')}`)
  }
  return device as SimDevice
}

const KEY_NAMES: readonly KeyName[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'ok', 'back']

export interface SimControlDeps {
  /** The simulated chips, on a `--sim` station; absent on real hardware. */
  sim: SimRig | undefined
  config: Config
  clock: Clock
  bus: EventBus<StationEvents>
  /** The simulation's issuing state (runtime/chip/sim-issuer-file.ts): what `sim card chip` signs with. */
  simIssuer?: TestIssuer | null
}

/**
 * Control commands that act as a resident on a simulated station. They work on the simulated
 * chips (a touch on an MPR121 electrode, a QR sent down the scanner's cable), so the real drivers
 * see exactly what they would see on the board. On real hardware every `sim.*` command is refused
 * (reason `real-hardware`) before its arguments are read: nothing a client sends reaches a device.
 */
export function simControlHandlers(deps: SimControlDeps): Record<string, ControlHandler> {
  const sim = deps.sim
  // Without a simulator the handlers are only read for their names: each is replaced below.
  const handlers = simulatorHandlers(deps, () => sim as SimRig)
  if (sim) return handlers
  const refuse: ControlHandler = () => {
    throw new StationError('E_CONTROL_REQUEST', 'refused: this station runs on real hardware; sim commands need `station run --sim`', {
      reason: 'real-hardware',
    })
  }
  return Object.fromEntries(Object.keys(handlers).map((cmd) => [cmd, refuse]))
}

function simulatorHandlers(deps: SimControlDeps, rig: () => SimRig): Record<string, ControlHandler> {
  const pollMs = deps.config.hardware.keypad.pollIntervalMs
  /** The press in progress (or resolved): the next one starts after it. */
  let pressTail: Promise<void> = Promise.resolve()
  /** A `sim card chip` lies on the NFC reader. */
  let chipOnReader = false

  return {
    'sim.press': async (args) => {
      const key = String(args.key ?? '')
      if (!KEY_NAMES.includes(key as KeyName)) {
        throw new StationError('E_CONTROL_REQUEST', `unknown key '${key}': use 0-9, ok or back`)
      }
      const sim = rig()
      // One finger at a time: presses from several clients (two shells, the console's burst) wait
      // their turn, as two fingers on two electrodes would read as no clear key.
      const turn = pressTail.then(async () => {
        // Hold the key long enough for at least two polls, then lift the finger: one press, as a resident does.
        try {
          sim.keyDown(key as KeyName)
        } catch (error) {
          throw new StationError('E_CONTROL_REQUEST', messageOf(error))
        }
        await deps.clock.sleep(pollMs * 3)
        sim.keyUp(key as KeyName)
        await deps.clock.sleep(pollMs * 2)
      })
      pressTail = turn.catch(() => undefined)
      await turn
      return { key }
    },
    'sim.card': async (args) => {
      const kind = String(args.kind ?? '')
      const text = args.text
      if (kind === 'cccd') {
        if (typeof text !== 'string' || text.length === 0) throw new StationError('E_CONTROL_REQUEST', 'sim card cccd needs the QR text')
        await rig().scanner().present(text)
      } else if (kind === 'mrz') {
        if (!Array.isArray(text) || text.length !== 3) throw new StationError('E_CONTROL_REQUEST', 'sim card mrz needs three lines')
        await rig().scanner().presentMrz(text.map(String))
      } else if (kind === 'raw') {
        if (typeof text !== 'string') throw new StationError('E_CONTROL_REQUEST', 'sim card raw needs hex bytes')
        await rig().scanner().sendRaw(Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex')))
      } else if (kind === 'nfc') {
        const chip = rig().nfc
        if (typeof text !== 'string' || !/^([0-9a-f]{2}){4,10}$/i.test(text.replace(/[\s:]/g, ''))) {
          throw new StationError('E_CONTROL_REQUEST', 'sim card nfc needs a UID of 4 to 10 bytes in hex')
        }
        if (!chip) throw new StationError('E_CONTROL_REQUEST', 'no NFC reader is configured (hardware.nfc.enabled)')
        // Hold the card over the reader long enough for a few polls, then take it away.
        chip.presentCard({ uid: text.replace(/[\s:]/g, '') })
        await deps.clock.sleep(deps.config.hardware.nfc.pollIntervalMs * 3)
        chip.removeCard()
      } else if (kind === 'chip') {
        const present = await chipPresentation(deps, rig(), text, args)
        // A chip already lying there is taken away long enough for the reader to see a new card: a
        // random-UID chip absent for two polls ends its hold (drivers/nfc/pn532-reader.ts); one more for margin.
        if (chipOnReader) {
          rig().nfc?.removeCard()
          await deps.clock.sleep(deps.config.hardware.nfc.pollIntervalMs * 3)
        }
        present()
        chipOnReader = true
      } else if (kind === 'remove') {
        rig().nfc?.removeCard()
        chipOnReader = false
      } else if (kind === 'wiegand') {
        const reader = rig().wiegand
        if (typeof text !== 'string' || !/^[01]{1,64}$/.test(text)) {
          throw new StationError('E_CONTROL_REQUEST', 'sim card wiegand needs the frame as 1 to 64 bits of 0 and 1')
        }
        if (!reader) throw new StationError('E_CONTROL_REQUEST', 'no Wiegand reader is configured (hardware.wiegand.enabled)')
        // The pulses go out on the simulated DATA0/DATA1 lines; wait out the frame gap so the reader has decided.
        reader.present(text)
        await deps.clock.sleep(deps.config.hardware.wiegand.frameGapMs * 2)
      } else {
        throw new StationError('E_CONTROL_REQUEST', `unknown card kind '${kind}': use cccd, mrz, chip, nfc, wiegand, raw or remove`)
      }
      return { kind }
    },
    'sim.screen': () => ({ rows: rig().lcd.rows(), backlight: rig().lcd.backlight }),
    'sim.receipt': () => {
      const printer = rig().printer()
      const receipt = printer.lastReceipt()
      return {
        lines: receipt ? renderPaper(receipt, deps.config.hardware.printer.lineWidthChars) : null,
        count: printer.receipts.length,
      }
    },
    'sim.unplug': (args) => {
      const device = simDevice(args.device)
      if (device === 'nfc' && !deps.config.hardware.nfc.enabled) {
        throw new StationError('E_CONTROL_REQUEST', 'no NFC reader is configured (hardware.nfc.enabled)')
      }
      rig().unplug(device)
      return { device, plugged: false }
    },
    'sim.tamper': (args) => {
      const state = String(args.state ?? '')
      if (state !== 'open' && state !== 'closed') throw new StationError('E_CONTROL_REQUEST', `unknown tamper state '${state}': use open or closed`)
      if (!deps.config.hardware.tamper.enabled) throw new StationError('E_CONTROL_REQUEST', 'no tamper switch is configured (hardware.tamper.enabled)')
      rig().setTamperOpen(state === 'open')
      return { state }
    },
    'sim.replug': (args) => {
      const device = simDevice(args.device)
      rig().replug(device)
      return { device, plugged: true }
    },
    'sim.i2c-noise': (args) => {
      const device = simDevice(args.device)
      const nfcOnBus = deps.config.hardware.nfc.enabled && deps.config.hardware.nfc.interface === 'i2c'
      if (device !== 'display' && device !== 'keypad' && !(device === 'nfc' && nfcOnBus)) {
        throw new StationError('E_CONTROL_REQUEST', `${device} is not on the I2C bus: use display, keypad${nfcOnBus ? ' or nfc' : ''}`)
      }
      const transactions = args.transactions === undefined ? NOISE_TRANSACTIONS : Number(args.transactions)
      if (!Number.isInteger(transactions) || transactions < 1 || transactions > 1000) {
        throw new StationError('E_CONTROL_REQUEST', `transactions must be 1-1000 (got ${String(args.transactions)})`)
      }
      rig().i2cNoise(device, transactions)
      return { device, transactions }
    },
    'sim.printer': (args) => {
      const state = String(args.state ?? '')
      const printer = rig()
      if (state === 'paper-out') printer.setPaper('out')
      else if (state === 'paper-near-end') printer.setPaper('near-end')
      else if (state === 'paper-ok') printer.setPaper('ok')
      else if (state === 'cover-open') printer.setCoverOpen(true)
      else if (state === 'cover-closed') printer.setCoverOpen(false)
      else if (state === 'power-off') printer.setPowered(false)
      else if (state === 'power-on') printer.setPowered(true)
      else {
        throw new StationError(
          'E_CONTROL_REQUEST',
          `unknown printer state '${state}': use paper-out, paper-near-end, paper-ok, cover-open, cover-closed, power-off or power-on`,
        )
      }
      return { state }
    },
  }
}

/** A simulated CCCD chip in the PN532's field, ISO/IEC 14443-4 with a random UID; it lies there until another card or `remove`. */
const CHIP_ATS = '05 78 80 70 02'

/**
 * `sim card chip <qr>`: the chip of the card the QR names, signed by the simulation's issuer, with the
 * faults asked for (`tamper` dg1|dg13, `unknownCsca`, `wrongCan`, `pullAfter` APDUs; docs/emrtd.md,
 * "Simulated chip"). The card stays on the reader, as a card laid on it does. The simulated chip and
 * its issuer's CMS signing are loaded here, at the first chip, not at start.
 */
async function chipPresentation(deps: SimControlDeps, sim: SimRig, text: unknown, args: Record<string, unknown>): Promise<() => void> {
  const reader = sim.nfc
  if (typeof text !== 'string' || text.trim() === '') throw new StationError('E_CONTROL_REQUEST', 'sim card chip needs the QR text of the card')
  if (!reader) throw new StationError('E_CONTROL_REQUEST', 'no NFC reader is configured (hardware.nfc.enabled)')
  if (!deps.simIssuer) throw new StationError('E_CONTROL_REQUEST', 'this station has no simulated issuer')
  const tamper = args.tamper
  if (tamper !== undefined && tamper !== 'dg1' && tamper !== 'dg13') {
    throw new StationError('E_CONTROL_REQUEST', `--tamper takes dg1 or dg13 (got ${String(tamper)})`)
  }
  const pullAfter = args.pullAfter === undefined ? undefined : Number(args.pullAfter)
  if (pullAfter !== undefined && !(Number.isInteger(pullAfter) && pullAfter >= 0 && pullAfter <= 10_000)) {
    throw new StationError('E_CONTROL_REQUEST', `--pull-after takes a number of APDUs, 0-10000 (got ${String(args.pullAfter)})`)
  }
  const faults: SimChipFaults = {
    ...(tamper === undefined ? {} : { tamper }),
    ...(args.unknownCsca === true ? { unknownCsca: true } : {}),
    ...(args.wrongCan === true ? { wrongCan: true } : {}),
  }
  // The simulated chip and its issuer's CMS signing load with the first chip, not at start (docs/benchmarks.md, "spawn to ready").
  const [{ simChipCardFromQr }, { SimChip }] = await Promise.all([import('../drivers/emrtd/sim-cccd-from-qr.js'), import('../drivers/emrtd/sim-chip.js')])
  let card
  try {
    card = simChipCardFromQr(text, deps.simIssuer, new Date(deps.clock.now()), faults)
  } catch (error) {
    throw new StationError('E_CONTROL_REQUEST', `sim card chip: ${messageOf(error)}`)
  }
  const chip = new SimChip(card, (length) => new Uint8Array(randomBytes(length)))
  if (pullAfter !== undefined) chip.removeAfter(pullAfter)
  // A random UID (08 …) per presentation, as an eMRTD chip draws one at each activation.
  const uid = `08${randomBytes(3).toString('hex')}`
  return () => reader.presentCard({ uid, atqa: '00 04', sak: '20', ats: CHIP_ATS, apdu: chip.answer })
}
