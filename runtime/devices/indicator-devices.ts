import type { GpioLine } from '../../drivers/gpio/gpio-line.js'
import { Buzzer, type BeepName } from '../../drivers/outputs/buzzer.js'
import { StatusLeds, type LedState } from '../../drivers/outputs/status-leds.js'
import { isStationError } from '../core/errors.js'
import { DeviceService } from '../device-service.js'
import { healthReporter, type DeviceDeps } from './device-deps.js'

export interface StatusLedsDevice {
  service: DeviceService
  /** Shows `state` now if the LEDs are up, else as soon as they are. */
  show(state: LedState): void
}

/**
 * Green/red status LEDs. A failed write fails the service: the supervisor reopens the lines with
 * backoff and shows the wanted state again, so a steady LED is not left wrong after a glitch.
 */
export function statusLedsDevice(deps: DeviceDeps): StatusLedsDevice {
  const { config, hardware, clock, bus } = deps
  const { greenLine, redLine } = config.hardware.leds
  let wanted: LedState = 'ok'
  let leds: StatusLeds | null = null
  let fail: ((error: unknown) => void) | null = null
  let lines: GpioLine[] = []
  const release = async () => {
    const current = leds
    leds = null
    // Stopping writes 'off'; on a lost line that fails too, and the lines are closed all the same.
    await current?.stop().catch(() => undefined)
    const open = lines
    lines = []
    await Promise.all(open.map((line) => line.close()))
  }
  const service = new DeviceService({
    name: 'leds',
    open: async (context) => {
      fail = (error) => context.fail(error)
      try {
        for (const [purpose, bcm] of [['leds.green', greenLine], ['leds.red', redLine]] as const) {
          lines.push(await hardware.openGpioLine({ purpose, bcm, direction: 'out', backend: 'onoff' }))
        }
        const [green, red] = lines as [GpioLine, GpioLine]
        // Held before the first write: a blinking pattern schedules its next step even when the write
        // fails, and release() must stop it.
        leds = new StatusLeds({ green, red, clock, onError: (error) => context.fail(error) })
        await leds.show(wanted)
      } catch (error) {
        await release()
        throw error
      }
    },
    close: release,
    onHealth: healthReporter(bus, 'leds'),
  })
  return {
    service,
    show(state) {
      if (state === wanted) return
      wanted = state
      leds?.show(state).catch((error: unknown) => fail?.(error))
    },
  }
}

export interface BuzzerDevice {
  service: DeviceService
  /** Plays a pattern when the buzzer is up; a failure degrades the device and is never thrown. */
  beep(name: BeepName): void
}

/**
 * The buzzer: PWM tones on a pigpio line (passive piezo), on/off on an onoff line (active buzzer). A
 * failed beep fails the service, which the supervisor reopens with backoff.
 */
export function buzzerDevice(deps: DeviceDeps): BuzzerDevice {
  const { config, hardware, clock, bus } = deps
  const settings = config.hardware.buzzer
  let buzzer: Buzzer | null = null
  let line: GpioLine | null = null
  let fail: ((error: unknown) => void) | null = null
  const release = async () => {
    const current = buzzer
    buzzer = null
    // Stopping silences the line; on a lost line that fails too, and the line is closed all the same.
    await current?.stop().catch(() => undefined)
    await line?.close()
    line = null
  }
  const service = new DeviceService({
    name: 'buzzer',
    open: async (context) => {
      fail = (error) => context.fail(error)
      line = await hardware.openGpioLine({ purpose: 'buzzer', bcm: settings.line, direction: 'out', backend: settings.backend })
      try {
        // Silent from the start: a line left high by a crashed run would sound forever.
        await line.write(0)
      } catch (error) {
        await release()
        throw error
      }
      buzzer = new Buzzer({ line, clock, frequencyHz: settings.frequencyHz })
    },
    close: release,
    onHealth: healthReporter(bus, 'buzzer'),
  })
  return {
    service,
    beep(name) {
      buzzer?.beep(name).catch((error: unknown) => {
        // A beep cut short by stop is not a fault.
        if (isStationError(error) && error.code === 'E_CANCELED') return
        fail?.(error)
      })
    },
  }
}
